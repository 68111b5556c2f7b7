#include "mxconf/oracles/intervals.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "mxconf/oracles/linear_ref.h"

namespace mxconf::oracles {
namespace {

Interval any_value() {
  Interval i;
  i.any = true;
  return i;
}

// The fp32 values within [lo, hi] (both widened by a double ulp against the rounding of the
// subtraction that made them), then the ADD of `add_after` in fp32 (RNE, monotone).
Interval fp32_interval(double lo, double hi, float add_after) {
  Interval r;
  double flo = round_up_f32(std::nextafter(lo, -INFINITY));
  double fhi = round_down_f32(std::nextafter(hi, INFINITY));
  if (flo > fhi) std::swap(flo, fhi);  // no fp32 value inside: keep the two around it
  if (add_after != 0.0f) {
    flo = double(float(flo) + add_after);
    fhi = double(float(fhi) + add_after);
  }
  r.lo = flo;
  r.hi = fhi;
  return r;
}

}  // namespace

bool Interval::contains(double v) const {
  if (any) return true;
  if (nan) return std::isnan(v);
  if (or_zero && v == 0) return true;
  return !std::isnan(v) && lo <= v && v <= hi;
}

Interval from_block_interval(double x, double s) {
  constexpr double kNormalMin = 0x1p-126, kNormalMax = double(FLT_MAX);
  Interval r;
  const double ref = x * s;  // exact: x has at most 8 significant bits, s is a power of two
  if (std::isnan(ref)) {
    r.nan = true;  // fp32 has NaN: the result must be a NaN (fp_bnd l.61-67)
    return r;
  }
  double err = 0;
  if (std::isfinite(ref) && ref != 0 && !std::isnan(s)) {
    const double ref_pow2 = std::max(std::ldexp(1.0, std::ilogb(std::fabs(ref / s))), kNormalMin);
    err = std::max(ref_pow2 * 0x1p-23 * s, kNormalMin);
  }
  if (!std::isfinite(err)) {
    r.any = true;
    return r;
  }
  const double mag = std::fabs(ref);
  double hi = mag + err, lo = mag - err;
  // fp32 has Inf (fp_bnd l.90-93): limits beyond normal_max widen to Inf.
  if (hi > kNormalMax) hi = INFINITY;
  if (lo > kNormalMax) lo = INFINITY;
  if (lo < -kNormalMax) lo = -INFINITY;
  r.or_zero = lo < kNormalMin;  // l.96-99: a zero result passes when ref_min < normal_min
  r.lo = std::signbit(ref) ? -hi : lo;
  r.hi = std::signbit(ref) ? -lo : hi;
  return r;
}

double round_down_f32(double v) {
  if (std::isnan(v)) return v;
  const float f = float(v);
  return double(f) > v ? double(std::nextafter(f, -INFINITY)) : double(f);
}

double round_up_f32(double v) {
  if (std::isnan(v)) return v;
  const float f = float(v);
  return double(f) < v ? double(std::nextafter(f, INFINITY)) : double(f);
}

Interval dot_product_interval(double ref, double bnd, const DotProductBounds& b, float add_after) {
  if (std::isnan(ref)) {
    Interval r;
    r.nan = true;
    return r;
  }
  // tosa_reference_check_dotproduct.tosac lines 47-58 at cd5acdd: a NaN bound, or one that can
  // overflow the output type within the error bound, sets no accuracy limit.
  if (!std::isfinite(bnd) || bnd * (1.0 + b.abs_bound * b.unit) > b.max_value) return any_value();
  if (bnd == 0) return fp32_interval(0.0, 0.0, add_after);  // every product is 0: exactly 0
  const double B = b.abs_bound * std::max(bnd * b.unit, b.normal_min);
  return fp32_interval(ref - B, ref + B, add_after);
}

Interval to_bf16(const Interval& x) {
  if (x.any || x.nan) return x;
  Interval r;
  r.lo = double(round_to_bf16(float(x.lo)));
  r.hi = double(round_to_bf16(float(x.hi)));
  r.or_zero = x.or_zero;  // a flushed zero stays zero through the CAST
  return r;
}

std::vector<CastRange> cast_ranges(const FormatSpec& f, ScalePolicy p,
                                   std::span<const Interval> in) {
  std::vector<CastRange> out(in.size());
  const double* values = f.values();
  for (size_t b = 0; b + kMxBlock <= in.size(); b += kMxBlock) {
    const std::span<const Interval> blk = in.subspan(b, kMxBlock);
    double amax_min = 0, amax_max = 0;
    bool any = false;
    for (const Interval& x : blk) {
      any |= x.any || x.nan || !std::isfinite(x.lo) || !std::isfinite(x.hi);
      const bool straddles = x.lo <= 0 && x.hi >= 0;
      amax_min = std::max(amax_min, straddles ? 0.0 : std::min(std::fabs(x.lo), std::fabs(x.hi)));
      amax_max = std::max(amax_max, std::max(std::fabs(x.lo), std::fabs(x.hi)));
    }
    if (any) {  // a NaN or Inf input makes the block's scale NaN
      for (size_t i = b; i < b + kMxBlock; ++i) out[i].any = true;
      continue;
    }
    // The scale is monotone in the block maximum: every exponent between the two extremes.
    const int kmin = int(scale_byte(f, p, amax_min)) - 127;
    const int kmax = int(scale_byte(f, p, amax_max)) - 127;
    for (size_t i = 0; i < kMxBlock; ++i) {
      CastRange& r = out[b + i];
      r.lo = INFINITY;
      r.hi = -INFINITY;
    }
    for (int k = kmin; k <= kmax; ++k) {
      const double s = std::ldexp(1.0, k);
      for (size_t i = 0; i < kMxBlock; ++i) {
        // Codes are monotone in the input. Saturating equals every rule on the inputs a scale
        // can meet (no element of a block exceeds the largest maximum that gives its scale),
        // and keeps the range finite past it.
        const double vlo = values[f.quantize(blk[i].lo / s, OverflowPolicy::saturate)] * s;
        const double vhi = values[f.quantize(blk[i].hi / s, OverflowPolicy::saturate)] * s;
        CastRange& r = out[b + i];
        r.lo = std::min(r.lo, vlo);
        r.hi = std::max(r.hi, vhi);
        r.bound_max = std::max({r.bound_max, std::fabs(vlo), std::fabs(vhi), f.normal_min() * s});
      }
    }
  }
  return out;
}

Interval dot_range_interval(const DotTerms& t, float bias_in_op, const DotProductBounds& b,
                            float add_after) {
  double L = 0, U = 0, bnd = 0, magnitude = 0;
  for (size_t k = 0; k < t.x.size(); ++k) {
    const CastRange* x = t.x[k];
    if (x == nullptr) continue;  // padding: value 0, no element of the input
    const double w = t.w[k];
    if (x->any || !std::isfinite(w) || !std::isfinite(t.w_bound[k])) return any_value();
    const double a = x->lo * w, c = x->hi * w;  // exact: few significant bits each
    L += std::min(a, c);
    U += std::max(a, c);
    magnitude += std::max(std::fabs(a), std::fabs(c));
    bnd += x->bound_max * t.w_bound[k];
  }
  if (!std::isfinite(bias_in_op)) return any_value();
  L += bias_in_op;
  U += bias_in_op;
  magnitude += std::fabs(bias_in_op);
  bnd += std::max(std::fabs(double(bias_in_op)), 0x1p-126);
  // The fp64 sums round at most KS times by 2^-53 of the magnitude: widen by twice that.
  const double slack = double(t.x.size() + 1) * 0x1p-52 * magnitude;
  bnd *= 1.0 + double(t.x.size() + 1) * 0x1p-52;
  if (!std::isfinite(bnd) || bnd * (1.0 + b.abs_bound * b.unit) > b.max_value) return any_value();
  const double B = b.abs_bound * std::max(bnd * b.unit, b.normal_min);
  return fp32_interval(L - B - slack, U + B + slack, add_after);
}

}  // namespace mxconf::oracles

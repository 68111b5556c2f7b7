#include "mxconf/oracles/compliance.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/intervals.h"

namespace mxconf::oracles {
namespace {

std::string describe(int64_t i, const char* what) {
  return "output " + std::to_string(i) + ": " + what;
}

// 2^floor(log2 |x|) for finite non-zero x: for normal doubles, x's exponent field alone.
double binade(double x) {
  const uint64_t exp_field = std::bit_cast<uint64_t>(x) & 0x7FF0000000000000u;
  return exp_field != 0 ? std::bit_cast<double>(exp_field) : std::ldexp(1.0, std::ilogb(x));
}

// Half the spacing of the fp32 grid at x: the most an fp32 ADD's rounding moves a result.
double half_ulp_f32(double x) {
  const float f = float(std::fabs(x));
  if (!std::isfinite(f)) return 0.0;
  return (double(std::nextafter(f, INFINITY)) - double(f)) / 2;
}

}  // namespace

DotProductBounds mx_dot_product_bounds(int64_t ksb, int output_frac_bits) {
  DotProductBounds b;
  b.ksb = ksb;
  b.unit = std::ldexp(1.0, -(1 + output_frac_bits));
  b.max_value = std::ldexp(2.0 - std::ldexp(1.0, -output_frac_bits), 127);
  const double k = double(ksb);
  const double kmin = double(std::min<int64_t>(ksb, 64));
  b.abs_bound = 2.0 * std::max(k, kmin * 0x1p10);
  b.variance_error_bound = 1.6 * std::max(k, kmin * 0x1p20);
  return b;
}

DotProductReport check_dot_product(std::span<const float> imp, std::span<const double> ref,
                                   std::span<const double> bnd, const DotProductBounds& bounds,
                                   bool bias_check, std::span<const float> add_after) {
  DotProductReport r;
  r.outputs = imp.size();
  if (ref.size() != imp.size() || bnd.size() != imp.size() ||
      (!add_after.empty() && add_after.size() != imp.size())) {
    r.pass = false;
    r.reason = "result, reference and bound tensors differ in size";
    return r;
  }
  auto fail = [&](int64_t i, const std::string& why) {
    ++r.element_failures;
    if (r.first_failure < 0) {
      r.first_failure = i;
      r.reason = describe(i, why.c_str());
    }
  };
  for (size_t i = 0; i < imp.size(); ++i) {
    const double x = imp[i];
    const float after = add_after.empty() ? 0.0f : add_after[i];
    const Interval allowed = dot_product_interval(ref[i], bnd[i], bounds, after);
    if (allowed.nan) {
      if (!std::isnan(x)) fail(int64_t(i), "reference is NaN, result is not");
      continue;
    }
    if (allowed.any) continue;  // the bound overflows the output type: anything passes
    if (bnd[i] == 0) {
      if (!allowed.contains(x)) fail(int64_t(i), "bound is 0 but the result is not exactly 0");
      continue;
    }
    if (!std::isfinite(x) && !allowed.contains(x)) {
      fail(int64_t(i), "result is not finite");
      continue;
    }
    // err in units of the op's error unit; an ADD after the op may have moved the result by
    // half an ulp more than the op did.
    const double unit = std::max(bnd[i] * bounds.unit, bounds.normal_min);
    const double dev = x - (ref[i] + double(after));
    const double slack = after != 0.0f ? half_ulp_f32(x) : 0.0;
    const double err = std::copysign(std::max(0.0, std::fabs(dev) - slack), dev) / unit;
    r.max_abs_err = std::max(r.max_abs_err, std::fabs(err));
    r.sum_err += err;
    r.sum_err_sq += err * err;
    if (!allowed.contains(x)) {
      fail(int64_t(i), ("|err| = " + std::to_string(std::fabs(err)) + " > ABS_BOUND " +
                        std::to_string(bounds.abs_bound)));
    }
  }
  const double t = double(imp.size());
  r.variance_limit = bounds.variance_error_bound * t;
  if (r.element_failures == 0 && r.sum_err_sq > r.variance_limit) {
    r.reason = "sum err^2 = " + std::to_string(r.sum_err_sq) +
               " > VEB*T = " + std::to_string(r.variance_limit);
  }
  if (bias_check) {
    r.bias_limit = std::sqrt(10.0 * bounds.variance_error_bound * t);
    if (r.reason.empty() && std::fabs(r.sum_err) > r.bias_limit) {
      r.reason = "|sum err| = " + std::to_string(std::fabs(r.sum_err)) +
                 " > sqrt(10*VEB*T) = " + std::to_string(r.bias_limit);
    }
  }
  r.pass = r.reason.empty();
  return r;
}

namespace {

// The format constants check_cast_element needs, looked up once per block.
struct CastLimits {
  const FormatSpec& f;
  const double* values = f.values();
  double max_finite = f.max_finite();
  // normal_lowest<out_t>: -normal_max, or -2 for mxint8 (the most negative code's value).
  double lowest = f.fixed_point ? f.value(f.sign_mask()) : -f.max_finite();
  bool saturating = !f.has_inf() && !f.has_nan();
  int n_ulp = (&f == &fp8e4m3()) ? 2 : 1;
  bool nan_allowed_at_inf = f.has_nan() && f.nan == NanEncoding::all_ones;
};

CastCheck check_element(const CastLimits& k, double input, uint8_t test_scale, uint8_t test_code,
                        uint8_t ref_scale) {
  CastCheck c;
  if (ref_scale == 0xFF) return c;  // a NaN reference scale accepts anything
  const double ref_s = e8m0_value(ref_scale);
  const double test_s = e8m0_value(test_scale);
  // check_fp<fp8ue8m0>(test, ref, 1 ulp) with normal_frac = 0: |test - ref| <= binade(ref).
  if (std::isnan(test_s) || std::fabs(test_s - ref_s) > binade(ref_s)) {
    c.pass = false;
    c.reason = "scale byte " + std::to_string(test_scale) + " outside 1 ulp of reference byte " +
               std::to_string(ref_scale);
    return c;
  }
  const double r = input / test_s;  // (ref_scale * ref_value) / test_scale, exact here
  const double test_v = k.values[test_code];
  double bound = 0;
  if (r != 0 && std::isfinite(r)) bound = k.n_ulp * k.f.ulp_of(r);
  double lo = r - bound, hi = r + bound;
  if (k.saturating) {
    // No Inf and no NaN (fp6, fp4, mxint8): tosa_reference_check_fp_bnd clamps both limits into
    // [normal_lowest, normal_max] (SPEC tosa_reference_check.tosac l.86-89), so a saturated value
    // passes where the reference lies beyond the range (a scale 1 ulp below the reference's).
    lo = std::clamp(lo, k.lowest, k.max_finite);
    hi = std::clamp(hi, k.lowest, k.max_finite);
  } else {
    // Limits beyond the largest normal widen to +-Inf (l.90-93).
    if (hi > k.max_finite) hi = INFINITY;
    if (lo < -k.max_finite) lo = -INFINITY;
  }
  if (std::isnan(test_v)) {
    if (!(k.nan_allowed_at_inf && std::isinf(hi))) {
      c.pass = false;
      c.reason = "value is NaN";
    }
    return c;
  }
  if (test_v < lo || test_v > hi) {
    c.pass = false;
    c.reason = "value " + std::to_string(test_v) + " outside [" + std::to_string(lo) + ", " +
               std::to_string(hi) + "]";
  }
  return c;
}

}  // namespace

CastCheck check_cast_element(const FormatSpec& f, double input, uint8_t test_scale,
                             uint8_t test_code, uint8_t ref_scale) {
  return check_element(CastLimits{f}, input, test_scale, test_code, ref_scale);
}

int check_cast_block(const FormatSpec& f, std::span<const float, kMxBlock> input,
                     uint8_t test_scale, std::span<const uint8_t, kMxBlock> test_codes,
                     uint8_t ref_scale, std::string* first_reason) {
  if (ref_scale == 0xFF) return 0;
  const CastLimits limits{f};
  int failures = 0;
  for (size_t i = 0; i < kMxBlock; ++i) {
    CastCheck c = check_element(limits, input[i], test_scale, test_codes[i], ref_scale);
    if (!c.pass && failures++ == 0 && first_reason) *first_reason = std::move(c.reason);
  }
  return failures;
}

}  // namespace mxconf::oracles

#include "mxconf/oracles/exact_dot.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "mxconf/oracles/block_quant.h"

namespace mxconf::oracles {
namespace {

// Largest |mantissa| (in quanta) of the format.
double max_mantissa(const FormatSpec& f) {
  return std::ldexp(f.max_finite(), -f.quantum_exp());
}

// A block sum of 32 products fits a double exactly when 32 * max^2 < 2^53 (all but e5m2).
bool needs_split(const FormatSpec& f) {
  const double m = max_mantissa(f);
  return 32.0 * m * m >= 0x1p53;
}

// For split formats (e5m2), each product (an integer below 2^64) splits into a multiple of 2^19
// and a remainder below 2^18 in magnitude; 32 of each sum exactly in a double.
constexpr double kSplitRound = 0x1.8p71;

// Runtime dispatch: an AVX2 clone of the hot loop beside the portable one, picked by the loader
// (ifunc). A plain build stays runnable on any x86-64; sums are exact, so both give equal bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define MXCONF_DISPATCH __attribute__((target_clones("avx2", "default")))
#else
#define MXCONF_DISPATCH
#endif
constexpr int kHiShift = 19;
static_assert(kHiShift == 19, "the scaling constant in block_dot assumes 2^19");

}  // namespace

DecodedMxVector decode_mx_vector(const FormatSpec& f, std::span<const uint8_t> codes,
                                 std::span<const uint8_t> scales) {
  if (codes.size() != scales.size() * kMxBlock) {
    throw std::invalid_argument("decode_mx_vector: codes must be 32 per scale");
  }
  DecodedMxVector d;
  d.format = &f;
  d.mantissas.resize(codes.size());
  d.block_exps.resize(scales.size());
  for (size_t b = 0; b < scales.size(); ++b) {
    d.has_nonfinite |= scales[b] == 0xFF;
    d.block_exps[b] = int(scales[b]) - 127 + f.quantum_exp();
  }
  const double* table = f.values();
  const double to_quanta = std::ldexp(1.0, -f.quantum_exp());
  for (size_t i = 0; i < codes.size(); ++i) {
    const double v = table[codes[i]];
    if (!std::isfinite(v)) {
      d.has_nonfinite = true;
      d.mantissas[i] = 0;
    } else {
      d.mantissas[i] = v * to_quanta;  // exact: a power of two
    }
  }
  if (d.has_nonfinite) {
    d.values.resize(codes.size());
    for (size_t i = 0; i < codes.size(); ++i) {
      d.values[i] = table[codes[i]] * e8m0_value(scales[i / kMxBlock]);
    }
  }
  return d;
}

DecodedMxVector DecodedMxVector::abs() const {
  DecodedMxVector r = *this;
  for (double& m : r.mantissas) m = std::fabs(m);
  for (double& v : r.values) v = std::fabs(v);
  return r;
}

DecodedMxVector DecodedMxVector::bound_operand(const std::vector<bool>* padding) const {
  DecodedMxVector r = abs();
  // normal_min in quanta: 2^man_bits for the float formats (normal_min 2^(1 - bias), a quantum
  // 2^(1 - bias - man_bits)); 1 for mxint8, whose normal_min is its quantum, 1/64.
  const double nmin = std::ldexp(format->normal_min(), -format->quantum_exp());
  for (size_t i = 0; i < r.mantissas.size(); ++i) {
    if (padding && (*padding)[i]) continue;
    r.mantissas[i] = std::max(r.mantissas[i], nmin);
    if (!r.values.empty() && !std::isnan(r.values[i])) {
      const double scale = std::ldexp(1.0, block_exps[i / kMxBlock] - format->quantum_exp());
      r.values[i] = std::max(r.values[i], format->normal_min() * scale);
    }
  }
  return r;
}

namespace {

// The inner loop, with the split decision made once per dot product rather than per block.
inline BlockDot block_dot(bool split, const double* __restrict a, const double* __restrict b) {
  BlockDot out;
  if (!split) {
    double s = 0;
    // Every partial sum is an integer below 2^53, so any summation order is exact.
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < kMxBlock; ++i) s += a[i] * b[i];
    out.lo = int64_t(s);
    return out;
  }
  double lo = 0, hi = 0;
#pragma omp simd reduction(+ : lo, hi)
  for (int i = 0; i < kMxBlock; ++i) {
    const double p = a[i] * b[i];
    // h: p rounded to a multiple of 2^19 (adding 1.5*2^71 leaves 2^19 as the ulp); p - h is
    // exact and |p - h| <= 2^18. The h sum stays below 2^69 in steps of 2^19: exact.
    const double h = (p + kSplitRound) - kSplitRound;
    hi += h;
    lo += p - h;
  }
  out.lo = int64_t(lo);
  out.hi = int64_t(hi * 0x1p-19);  // exact: hi is a multiple of 2^kHiShift
  out.hi_shift = kHiShift;
  return out;
}

}  // namespace

BlockDot exact_block_dot(const FormatSpec& f, const double* a, const double* b) {
  return block_dot(needs_split(f), a, b);
}

MXCONF_DISPATCH ExactSum exact_dot(const DecodedMxVector& a, const DecodedMxVector& b) {
  if (a.format != b.format || a.mantissas.size() != b.mantissas.size()) {
    throw std::invalid_argument("exact_dot: operands differ in format or length");
  }
  ExactSum sum;
  if (a.has_nonfinite || b.has_nonfinite) {
    // IEEE semantics decide: any NaN term (NaN scale, NaN element, Inf*0) or +Inf + -Inf is NaN.
    for (size_t i = 0; i < a.mantissas.size(); ++i) {
      const double va =
          a.values.empty() ? std::ldexp(a.mantissas[i], a.block_exps[i / kMxBlock]) : a.values[i];
      const double vb =
          b.values.empty() ? std::ldexp(b.mantissas[i], b.block_exps[i / kMxBlock]) : b.values[i];
      const double p = va * vb;
      if (!std::isfinite(va) || !std::isfinite(vb) || !std::isfinite(p)) sum.add_nonfinite(p);
    }
    if (sum.is_nan() || sum.is_inf()) return sum;
  }
  const bool split = needs_split(*a.format);
  const size_t blocks = a.block_exps.size();
  for (size_t blk = 0; blk < blocks; ++blk) {
    const BlockDot d = block_dot(split, &a.mantissas[blk * kMxBlock], &b.mantissas[blk * kMxBlock]);
    const int e = a.block_exps[blk] + b.block_exps[blk];
    sum.add(d.lo, e);
    sum.add(d.hi, e + d.hi_shift);
  }
  return sum;
}

}  // namespace mxconf::oracles

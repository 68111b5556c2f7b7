// Exact dot products of MX vectors: integer block sums, then an exact accumulator across blocks.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/exact_sum.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

// One MX vector decoded once for many dot products: each element as an integer multiple of the
// format's quantum (held in a double, exact), and each block's exponent 2^(scale-127+quantum).
struct DecodedMxVector {
  const FormatSpec* format = nullptr;
  std::vector<double> mantissas;  // size K
  std::vector<int> block_exps;    // size K/32
  bool has_nonfinite = false;     // a NaN scale, or a NaN/Inf element
  std::vector<double> values;     // exact element*scale values, only when has_nonfinite

  // |x| elementwise.
  DecodedMxVector abs() const;
  // What the DOT_PRODUCT bound sums in place of x (tosa_reference_check_dotproduct.tosac, lines
  // 16-17 at cd5acdd): each element's data clamped to at least the format's normal_min, then
  // scaled, `apply_max_s(abs(data), normal_min<in_t>)`. Elements marked in `padding` (a conv's
  // taps outside the image, which are no element of the input tensor) stay 0.
  DecodedMxVector bound_operand(const std::vector<bool>* padding = nullptr) const;
};

DecodedMxVector decode_mx_vector(const FormatSpec& f, std::span<const uint8_t> codes,
                                 std::span<const uint8_t> scales);

// sum_k a_k * b_k exactly (a and b decoded from the same format and length).
ExactSum exact_dot(const DecodedMxVector& a, const DecodedMxVector& b);

// Exact sum of the 32 products of one block, as an integer in units of 2^(2*quantum).
// Two parts: hi carries multiples of 2^hi_shift where a single double could not hold the sum.
struct BlockDot {
  int64_t lo = 0;
  int64_t hi = 0;
  int hi_shift = 0;
};
BlockDot exact_block_dot(const FormatSpec& f, const double* a, const double* b);

}  // namespace mxconf::oracles

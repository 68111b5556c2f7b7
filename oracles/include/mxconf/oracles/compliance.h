// TOSA compliance checks (conformance-practice.md §3-4): DOT_PRODUCT with the MX relaxation, and
// the CAST_TO_BLOCK_SCALED scale-then-value check. These are far looser than bit-exactness.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

struct DotProductBounds {
  int64_t ksb = 0;  // kernel size, +1 with a bias
  double abs_bound = 0;
  double variance_error_bound = 0;
  // The output type: err is measured in units of max(bnd * 2^-(1 + normal_frac), normal_min),
  // and a bound that overflows max_value lets anything pass.
  double unit = 0x1p-24;
  double normal_min = 0x1p-126;
  double max_value = 0x1.fffffep127;
};

// MX relaxation (SPEC introduction.adoc "Dot product accuracy requirements"):
//   ABS_BOUND = 2 * max(ksb, min(ksb, 64) * 2^10), VEB = 1.6 * max(ksb, min(ksb, 64) * 2^20).
// output_frac_bits: 23 for an fp32 output, 7 for bf16 (same exponent range).
DotProductBounds mx_dot_product_bounds(int64_t ksb, int output_frac_bits = 23);

struct DotProductReport {
  bool pass = true;
  size_t outputs = 0;
  size_t element_failures = 0;
  double max_abs_err = 0;  // max |err| in units of the per-element error unit
  double sum_err = 0;      // sum err (bias statistic)
  double sum_err_sq = 0;   // sum err^2 (variance statistic)
  double variance_limit = 0;
  double bias_limit = 0;  // 0 when the bias check does not apply
  int64_t first_failure = -1;
  std::string reason;  // empty when pass
};

// imp: fp32 outputs; ref: the op's exact fp64 reference; bnd: the same computation on clamped
// absolute values. bias_check applies the S3-S5 "4 sigma" bias test. add_after (empty: none): a
// constant the graph adds to each output in fp32 after the op (a linear layer's bias ADD); the
// element check then allows that ADD's rounding (intervals.h), and the statistics measure each
// error less half an ulp of the output (what the op's own error is at least).
DotProductReport check_dot_product(std::span<const float> imp, std::span<const double> ref,
                                   std::span<const double> bnd, const DotProductBounds& bounds,
                                   bool bias_check, std::span<const float> add_after = {});

// tosa_reference_check_scale for one element of CAST_TO_BLOCK_SCALED.
// input: the exact input value; ref_scale: the reference E8M0 byte.
// UNVERIFIED (tosa-mx-spec.md §9.3): normal_frac<fp8ue8m0> is undefined; read as 0 the scale
// check accepts anything in (0, 2*ref]. UNVERIFIED (§9.9): at 063846a the value check passes
// test and reference swapped; mxconf sizes the ulp bound from the recomputed reference.
struct CastCheck {
  bool pass = true;
  std::string reason;
};
CastCheck check_cast_element(const FormatSpec& f, double input, uint8_t test_scale,
                             uint8_t test_code, uint8_t ref_scale);
// check_cast_element over one block: every element of `input` against its code in `test_codes`.
// Returns the number of failing elements; `first_reason` gets the first failure's reason.
int check_cast_block(const FormatSpec& f, std::span<const float, kMxBlock> input,
                     uint8_t test_scale, std::span<const uint8_t, kMxBlock> test_codes,
                     uint8_t ref_scale, std::string* first_reason);

}  // namespace mxconf::oracles

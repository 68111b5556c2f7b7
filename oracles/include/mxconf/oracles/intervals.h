// Sound bounds for whole graphs of block-scaled layers (docs/formats.md, "Compliance of a
// graph"): what a system whose every operator meets its own TOSA criterion may output. TOSA
// defines compliance per operator; a graph-level criterion is ours, and it must never fail such
// a system. Each value is an interval of fp32 (or bf16) values; an operator's allowed outputs
// are propagated through the next operators over every input the interval holds:
//  - a block-scaled dot product (MATMUL_T_BLOCK_SCALED, CONV2D_BLOCK_SCALED) over inputs it
//    reads exactly: [ref - B, ref + B] on the fp32 grid, B = ABS_BOUND * max(bnd * 2^-24,
//    2^-126) (tosa_reference_check_dotproduct.tosac);
//  - CAST_TO_BLOCK_SCALED over input intervals: every block scale some input in the intervals
//    gives (the scale is monotone in the block maximum), and for each scale the codes of the
//    intervals' ends (codes are monotone in the input);
//  - a block-scaled dot product over such casts: the exact sum's range over every code choice,
//    widened by the largest B those choices allow;
//  - an fp32 ADD of a constant (a linear layer's bias) and a CAST to bf16 (RNE, exact in TOSA):
//    monotone, so the ends map to the ends.
// Everything is computed in fp64 and widened outward; a value whose interval is unbounded or
// may be NaN is `any`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/compliance.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

struct Interval {
  double lo = 0, hi = 0;  // fp32 (or bf16) values, lo <= hi; +-Inf where overflow is allowed
  bool any = false;       // no constraint at all (NaN possible, or the bound overflows)
  bool nan = false;       // must be NaN (the reference is NaN on exact inputs)
  // A zero of either sign is allowed too (an fp32 subnormal flushed to sign-preserved zero,
  // SPEC tosa_reference_check.tosac l.96-99 at cd5acdd), however far [lo, hi] is from it.
  bool or_zero = false;
  bool contains(double v) const;
};

// CAST_FROM_BLOCK_SCALED to fp32 of one element whose decoded value is `x` (the payload code's
// value) and scale `s` (the E8M0 value): what tosa_reference_check_from_block<in_t, fp32_t>
// accepts (SPEC pseudocode/library/tosa_reference_check.tosac l.25-36, fp_bnd l.60-111, at
// cd5acdd). With out_ref = x * s in fp64 and, for a finite nonzero out_ref,
// err_bnd = max(max(2^ilog2(|x|), 2^-126) * 2^-23 * s, 2^-126): [out_ref - err_bnd,
// out_ref + err_bnd], limits beyond the fp32 range widened to +-Inf, and zero when the lower
// limit (in magnitude) is below 2^-126. A NaN out_ref must stay NaN.
Interval from_block_interval(double x, double s);

// The fp32 values an operator may output for exact inputs: ref +- B, with DOT_PRODUCT's
// special cases (a NaN reference, a bound that overflows, bnd == 0). `add_after`: a constant
// added in fp32 after the operator (a linear layer's bias ADD), or 0.
Interval dot_product_interval(double ref, double bnd, const DotProductBounds& b,
                              float add_after = 0.0f);

// The same interval after a CAST to bf16 (round to nearest even).
Interval to_bf16(const Interval& x);

// What CAST_TO_BLOCK_SCALED under policy p can make of one element whose block's inputs lie in
// the given intervals: the range of its decoded value (code * scale) and the largest bound
// operand, max(|code value|, normal_min) * scale, over every input in the intervals.
struct CastRange {
  double lo = 0, hi = 0;
  double bound_max = 0;
  bool any = false;
};
// `in` holds whole blocks of 32 along the last axis.
std::vector<CastRange> cast_ranges(const FormatSpec& f, ScalePolicy p,
                                   std::span<const Interval> in);

// A dot product of cast inputs (ranges) with constant weights `w` (decoded values) whose bound
// operands are `w_bound`, plus an optional bias inside the op and a constant added after it:
// the fp32 interval an operator that meets DOT_PRODUCT may output for some input in the ranges.
// Positions whose range pointer is null are padding (value 0, bound operand 0).
struct DotTerms {
  std::vector<const CastRange*> x;  // length KS
  const double* w = nullptr;        // length KS
  const double* w_bound = nullptr;  // length KS
};
Interval dot_range_interval(const DotTerms& t, float bias_in_op, const DotProductBounds& b,
                            float add_after = 0.0f);

// fp64 -> fp32 with directed rounding (toward -Inf / +Inf): the fp32 grid's floor and ceiling.
double round_down_f32(double v);
double round_up_f32(double v);

}  // namespace mxconf::oracles

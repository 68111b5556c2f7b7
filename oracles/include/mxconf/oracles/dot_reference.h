// The DOT_PRODUCT reference of one block-scaled operator from its operands as codes and scales
// (what the op reads): per output its exact value (rounded to fp64) and its bound, the same sum
// over the elements clamped to normal_min (tosa_reference_check_dotproduct.tosac lines 16-18 at
// cd5acdd). linear_ref.h and conv_ref.h build on these; op-by-op judging calls them on the codes
// a cast of the reference's input gives and the weights a system's graph holds.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/format_model.h"
#include "mxconf/oracles/pseudocode_ref.h"

namespace mxconf::oracles {

struct DotReference {
  std::vector<double> exact;
  std::vector<double> bound;
};

// MATMUL_T_BLOCK_SCALED: A [N, H, C], B [D, W, C] (D 1 or N), each with scales [.., C / 32];
// outputs [N, H, W]. It has no bias: a zero one, whose bound term is normal_min<fp32>.
DotReference matmul_t_dot(const FormatSpec& f, const MatmulTShape& s,
                          std::span<const uint8_t> a_codes, std::span<const uint8_t> a_scales,
                          std::span<const uint8_t> b_codes, std::span<const uint8_t> b_scales);

// CONV2D_BLOCK_SCALED: input NHWC codes and scales, weights OHWI, bias [OC] (or [1]); outputs
// [N, OH, OW, OC]. Padded taps are in no sum (not multiplied in the reference, 0 in the bound).
DotReference conv2d_dot(const FormatSpec& f, const Conv2dGeometry& g,
                        std::span<const uint8_t> in_codes, std::span<const uint8_t> in_scales,
                        std::span<const uint8_t> w_codes, std::span<const uint8_t> w_scales,
                        std::span<const float> bias);

}  // namespace mxconf::oracles

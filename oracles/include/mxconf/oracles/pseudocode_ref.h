// MATMUL_T_BLOCK_SCALED in the spec's fp32 pseudocode order: the bit-exact target for the
// interpreter. Per block: a sequential fp32 sum of 32 products, times (sA * sB) computed in fp32,
// added to an fp32 accumulator, for b < C/32 (the spec's `b <= C/block_size` is erratum §9.1).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

float pseudocode_dot(const FormatSpec& f, std::span<const uint8_t> a_codes,
                     std::span<const uint8_t> a_scales, std::span<const uint8_t> b_codes,
                     std::span<const uint8_t> b_scales);

// A [N,H,C] with scales [N,H,C/32]; B [D,W,C] with scales [D,W,C/32]; D is 1 or N.
// Returns the fp32 output [N,H,W].
struct MatmulTShape {
  int64_t n, h, w, c, d;
};
std::vector<float> pseudocode_matmul_t(const FormatSpec& f, const MatmulTShape& s,
                                       std::span<const uint8_t> a_codes,
                                       std::span<const uint8_t> a_scales,
                                       std::span<const uint8_t> b_codes,
                                       std::span<const uint8_t> b_scales);

// CONV2D_BLOCK_SCALED written straight from the spec's loops (conv2d-block-scaled.md), sharing
// nothing with the interpreter: input [N, IH, IW, IC] (NHWC) codes and scales [.., IC/32],
// weights [OC, KH, KW, IC] (OHWI) codes and scales, bias of OC or 1 values. For each output
// (n, oy, ox, oc): acc = 0; for each tap (ky, kx) row-major, for each block b: the 32 products
// summed in order from 0, times (scale_in * scale_w), added to acc; then acc + bias. A tap in the
// padding reads value 0 with scale_in 1.0 and multiplies anyway (tosa_extra_multiplies on), so an
// Inf or NaN weight there yields NaN. Returns [N, OH, OW, OC].
struct Conv2dGeometry {
  int64_t n, ih, iw, ic, oc, kh, kw;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t stride_y, stride_x, dilation_y, dilation_x;
};
// OH and OW by the op's formula, (IH - 1 + pads - (KH - 1) * dilation) / stride + 1; {-1, -1}
// unless both divisions are exact and non-negative (the op's ERROR_IF).
std::pair<int64_t, int64_t> conv_output_size(const Conv2dGeometry& g);

std::vector<float> pseudocode_conv2d(const FormatSpec& f, const Conv2dGeometry& g,
                                     std::span<const uint8_t> in_codes,
                                     std::span<const uint8_t> in_scales,
                                     std::span<const uint8_t> w_codes,
                                     std::span<const uint8_t> w_scales,
                                     std::span<const float> bias);

}  // namespace mxconf::oracles

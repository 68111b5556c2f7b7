// Expected results of one MXFP conv2d layer from plain fp32 arrays, computed only with oracle
// code, as linear_ref.h does for linear: the activation cast (NHWC, blocks along C) and the OHWI
// weight cast, the spec-order fp32 CONV2D_BLOCK_SCALED (pseudocode_conv2d), and per output the
// exact value of its KH*KW*IC-long dot product with the DOT_PRODUCT bound.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/format_model.h"
#include "mxconf/oracles/pseudocode_ref.h"

namespace mxconf::oracles {

struct MxConv2dReference {
  std::vector<float> pseudocode;  // [N, OH, OW, OC]: the bit-exact target
  // [N, OH, OW, OC]: the exact dot product + bias (no padded tap multiplied), rounded to double,
  // and the DOT_PRODUCT bound: sum of max(|a_k|, nmin) * max(|w_k|, nmin), scaled, over the taps
  // inside the image, + max(|bias|, normal_min<fp32>).
  std::vector<double> exact;
  std::vector<double> bound;
  std::vector<uint8_t> x_codes, x_scales, w_codes, w_scales;
};

// x: NHWC [N, IH, IW, IC] fp32 values; w: OHWI [OC, KH, KW, IC] fp32; bias: [OC]. The op always
// takes a bias, so a layer without one is judged with OC zeros (-0 + 0 is +0, as the op computes
// it). A tap in the padding reads value 0 with scale 1.0 (code 0, E8M0 127) in the bit-exact
// target, which multiplies it (mxconf's extra-multiplies reading), and is left out of the exact
// value, as the DOT_PRODUCT reference leaves it. bit_exact_only: skip exact and bound.
MxConv2dReference mx_conv2d_reference(const FormatSpec& f, ScalePolicy activation_rule,
                                      ScalePolicy weight_rule, const Conv2dGeometry& g,
                                      std::span<const float> x, std::span<const float> w,
                                      std::span<const float> bias, bool bit_exact_only = false);

}  // namespace mxconf::oracles

// MATMUL_T_BLOCK_SCALED in the spec's fp32 pseudocode order: the bit-exact target for the
// interpreter. Per block: a sequential fp32 sum of 32 products, times (sA * sB) computed in fp32,
// added to an fp32 accumulator, for b < C/32 (the spec's `b <= C/block_size` is erratum §9.1).
#pragma once

#include <cstdint>
#include <span>
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

}  // namespace mxconf::oracles

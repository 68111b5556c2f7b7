// Expected results of one MXFP linear layer y = x W^T + b from plain fp32 arrays, computed only
// with oracle code: the activation and weight block casts (exact), the spec-order fp32 matmul,
// the fp32 bias add, and the exact value with its DOT_PRODUCT bound.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/exact_sum.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

struct MxLinearReference {
  std::vector<float> pseudocode;  // [M,N]: the bit-exact target (fp32 pseudocode order + bias)
  // The MATMUL_T_BLOCK_SCALED op's own: its exact dot product (rounded to double) and its
  // DOT_PRODUCT bound (sum of max(|a_k|, nmin) * max(|b_k|, nmin), scaled, + normal_min<fp32>
  // for its zero bias). The layer's bias is a separate fp32 ADD after the op.
  std::vector<double> exact;  // [M,N]
  std::vector<double> bound;  // [M,N]
  std::vector<uint8_t> x_codes, x_scales, w_codes, w_scales;
};

// x: [M,K] (fp32 or bf16 values), w: [N,K] fp32, bias: [N] or empty. bit_exact_only: skip
// `exact` and `bound` (left empty), for callers that judge tier (a) alone.
MxLinearReference mx_linear_reference(const FormatSpec& f, ScalePolicy activation_rule,
                                      ScalePolicy weight_rule, int64_t m, int64_t k, int64_t n,
                                      std::span<const float> x, std::span<const float> w,
                                      std::span<const float> bias, bool bit_exact_only = false);

// Adds the bias b to an output's exact value `s` and, as max(|b|, normal_min<fp32>) (the
// DOT_PRODUCT bound's bias_abs), to its bound `a`. A layer without a bias passes 0.
void add_bias(ExactSum& s, ExactSum& a, float b);

// fp32 -> bf16 value with round-to-nearest-even (subnormals kept, overflow to Inf), computed by
// frexp/nearbyint: independent of formats/'s bit manipulation.
float round_to_bf16(float x);

// Block-casts rows of 32-multiples with the oracle: codes and scales.
void quantize_rows(const FormatSpec& f, ScalePolicy p, std::span<const float> values,
                   std::vector<uint8_t>& codes, std::vector<uint8_t>& scales);

}  // namespace mxconf::oracles

// Expected results of one MXFP linear layer y = x W^T + b from plain fp32 arrays, computed only
// with oracle code: the activation and weight block casts (exact), the spec-order fp32 matmul,
// the fp32 bias add, and the exact value with its DOT_PRODUCT bound.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

struct MxLinearReference {
  std::vector<float> pseudocode;  // [M,N]: the bit-exact target (fp32 pseudocode order + bias)
  std::vector<double> exact;      // [M,N]: exact dot product + bias, rounded to double
  std::vector<double> bound;      // [M,N]: sum |a_k b_k| (scaled) + |bias|
  std::vector<uint8_t> x_codes, x_scales, w_codes, w_scales;
};

// x: [M,K] (fp32 or bf16 values), w: [N,K] fp32, bias: [N] or empty. bit_exact_only: skip
// `exact` and `bound` (left empty), for callers that judge tier (a) alone.
MxLinearReference mx_linear_reference(const FormatSpec& f, ScalePolicy activation_rule,
                                      ScalePolicy weight_rule, int64_t m, int64_t k, int64_t n,
                                      std::span<const float> x, std::span<const float> w,
                                      std::span<const float> bias, bool bit_exact_only = false);

// fp32 -> bf16 value with round-to-nearest-even (subnormals kept, overflow to Inf), computed by
// frexp/nearbyint: independent of formats/'s bit manipulation.
float round_to_bf16(float x);

// Block-casts rows of 32-multiples with the oracle: codes and scales.
void quantize_rows(const FormatSpec& f, ScalePolicy p, std::span<const float> values,
                   std::vector<uint8_t>& codes, std::vector<uint8_t>& scales);

}  // namespace mxconf::oracles

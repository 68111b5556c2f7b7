#include "mxconf/oracles/pseudocode_ref.h"

#include <stdexcept>

#include "mxconf/oracles/block_quant.h"

namespace mxconf::oracles {

float pseudocode_dot(const FormatSpec& f, std::span<const uint8_t> a_codes,
                     std::span<const uint8_t> a_scales, std::span<const uint8_t> b_codes,
                     std::span<const uint8_t> b_scales) {
  if (a_codes.size() != b_codes.size() || a_scales.size() != b_scales.size() ||
      a_codes.size() != a_scales.size() * kMxBlock) {
    throw std::invalid_argument("pseudocode_dot: operand sizes disagree");
  }
  float acc = 0.0f;
  for (size_t b = 0; b < a_scales.size(); ++b) {
    float blk = 0.0f;
    for (size_t i = 0; i < kMxBlock; ++i) {
      const size_t k = b * kMxBlock + i;
      blk = blk + static_cast<float>(f.value(a_codes[k])) * static_cast<float>(f.value(b_codes[k]));
    }
    const float scale =
        static_cast<float>(e8m0_value(a_scales[b])) * static_cast<float>(e8m0_value(b_scales[b]));
    blk = blk * scale;
    acc = acc + blk;
  }
  return acc;
}

namespace {

// The spec's per-block order over rows already decoded to fp32 values and scales.
float dot_decoded(const float* a, const float* as, const float* b, const float* bs, size_t blocks) {
  float acc = 0.0f;
  for (size_t blk = 0; blk < blocks; ++blk) {
    float sum = 0.0f;
    for (size_t i = 0; i < kMxBlock; ++i) sum = sum + a[blk * kMxBlock + i] * b[blk * kMxBlock + i];
    sum = sum * (as[blk] * bs[blk]);
    acc = acc + sum;
  }
  return acc;
}

}  // namespace

std::vector<float> pseudocode_matmul_t(const FormatSpec& f, const MatmulTShape& s,
                                       std::span<const uint8_t> a_codes,
                                       std::span<const uint8_t> a_scales,
                                       std::span<const uint8_t> b_codes,
                                       std::span<const uint8_t> b_scales) {
  if (s.c % kMxBlock != 0 || (s.d != 1 && s.d != s.n)) {
    throw std::invalid_argument("pseudocode_matmul_t: C % 32 != 0 or D not in {1, N}");
  }
  const size_t cb = size_t(s.c / kMxBlock);
  if (a_codes.size() != size_t(s.n * s.h * s.c) || b_codes.size() != size_t(s.d * s.w * s.c) ||
      a_scales.size() != size_t(s.n * s.h) * cb || b_scales.size() != size_t(s.d * s.w) * cb) {
    throw std::invalid_argument("pseudocode_matmul_t: buffer sizes do not match the shape");
  }
  // Every code and scale byte decoded once, from the oracle's own value formula.
  float value[256], scale[256];
  for (int c = 0; c < 256; ++c) {
    value[c] = static_cast<float>(f.values()[c]);
    scale[c] = static_cast<float>(e8m0_value(uint8_t(c)));
  }
  auto decode = [](std::span<const uint8_t> in, const float* table) {
    std::vector<float> out(in.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = table[in[i]];
    return out;
  };
  const std::vector<float> a = decode(a_codes, value), as = decode(a_scales, scale);
  const std::vector<float> b = decode(b_codes, value), bs = decode(b_scales, scale);
  std::vector<float> out(size_t(s.n * s.h * s.w));
  for (int64_t n = 0; n < s.n; ++n) {
    const int64_t d = (s.d == 1) ? 0 : n;
    for (int64_t h = 0; h < s.h; ++h) {
      const size_t arow = size_t(n * s.h + h);
      for (int64_t w = 0; w < s.w; ++w) {
        const size_t brow = size_t(d * s.w + w);
        out[size_t((n * s.h + h) * s.w + w)] = dot_decoded(
            &a[arow * size_t(s.c)], &as[arow * cb], &b[brow * size_t(s.c)], &bs[brow * cb], cb);
      }
    }
  }
  return out;
}

}  // namespace mxconf::oracles

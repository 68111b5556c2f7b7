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

std::pair<int64_t, int64_t> conv_output_size(const Conv2dGeometry& g) {
  const int64_t oh_span = g.ih - 1 + g.pad_top + g.pad_bottom - (g.kh - 1) * g.dilation_y;
  const int64_t ow_span = g.iw - 1 + g.pad_left + g.pad_right - (g.kw - 1) * g.dilation_x;
  if (g.stride_y < 1 || g.stride_x < 1 || oh_span < 0 || ow_span < 0 || oh_span % g.stride_y != 0 ||
      ow_span % g.stride_x != 0)
    return {-1, -1};
  return {oh_span / g.stride_y + 1, ow_span / g.stride_x + 1};
}

std::vector<float> pseudocode_conv2d(const FormatSpec& f, const Conv2dGeometry& g,
                                     std::span<const uint8_t> in_codes,
                                     std::span<const uint8_t> in_scales,
                                     std::span<const uint8_t> w_codes,
                                     std::span<const uint8_t> w_scales,
                                     std::span<const float> bias) {
  const auto [oh, ow] = conv_output_size(g);
  if (g.ic % kMxBlock != 0 || oh < 0 || (bias.size() != size_t(g.oc) && bias.size() != 1)) {
    throw std::invalid_argument("pseudocode_conv2d: a shape the op's ERROR_IFs forbid");
  }
  const int64_t blocks = g.ic / kMxBlock;
  if (in_codes.size() != size_t(g.n * g.ih * g.iw * g.ic) ||
      in_scales.size() != size_t(g.n * g.ih * g.iw * blocks) ||
      w_codes.size() != size_t(g.oc * g.kh * g.kw * g.ic) ||
      w_scales.size() != size_t(g.oc * g.kh * g.kw * blocks)) {
    throw std::invalid_argument("pseudocode_conv2d: buffer sizes do not match the shape");
  }
  std::vector<float> out(size_t(g.n * oh * ow * g.oc));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t oc = 0; oc < g.oc; ++oc) {
          const int64_t iy = oy * g.stride_y - g.pad_top, ix = ox * g.stride_x - g.pad_left;
          float acc = 0.0f;
          for (int64_t ky = 0; ky < g.kh; ++ky) {
            for (int64_t kx = 0; kx < g.kw; ++kx) {
              const int64_t y = iy + ky * g.dilation_y, x = ix + kx * g.dilation_x;
              const bool inside = y >= 0 && y < g.ih && x >= 0 && x < g.iw;
              for (int64_t b = 0; b < blocks; ++b) {
                const size_t w_at = size_t(((oc * g.kh + ky) * g.kw + kx) * g.ic + b * kMxBlock);
                const size_t in_at = size_t(((n * g.ih + y) * g.iw + x) * g.ic + b * kMxBlock);
                float block_acc = 0.0f;
                for (size_t i = 0; i < kMxBlock; ++i) {
                  const float value =
                      inside ? static_cast<float>(f.value(in_codes[in_at + i])) : 0.0f;
                  const float weight = static_cast<float>(f.value(w_codes[w_at + i]));
                  block_acc = block_acc + value * weight;
                }
                const float scale_in =
                    inside ? static_cast<float>(e8m0_value(in_scales[in_at / kMxBlock])) : 1.0f;
                const float scale_w = static_cast<float>(e8m0_value(w_scales[w_at / kMxBlock]));
                block_acc = block_acc * (scale_in * scale_w);
                acc = acc + block_acc;
              }
            }
          }
          acc = acc + bias[bias.size() == 1 ? 0 : size_t(oc)];
          out[size_t(((n * oh + oy) * ow + ox) * g.oc + oc)] = acc;
        }
      }
    }
  }
  return out;
}

}  // namespace mxconf::oracles

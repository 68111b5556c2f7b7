// CONV2D_BLOCK_SCALED as MATMUL_T_BLOCK_SCALED over gathered windows. Flattened, one output is a
// block-scaled dot product of length KH*KW*IC whose blocks run tap by tap, blocks within a tap:
// exactly the spec's loop order, and exactly the order in which an OHWI weight row is stored. So
// rows of windows are gathered (padded taps as code 0 with scale 1.0), the matmul kernel (the
// spec's fp32 order per output lane) runs over them, and the bias is added last.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "mxconf/faults/faults.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/model.h"

namespace mxconf::pipeline {
namespace {

// TOSA's output size (model.h's conv_output_size), only when the operands are in range and it
// is at least 1.
std::optional<int64_t> out_size(int64_t in, int64_t pad_a, int64_t pad_b, int64_t k, int64_t stride,
                                int64_t dilation) {
  if (in < 1 || k < 1 || pad_a < 0 || pad_b < 0 || stride < 1 || dilation < 1) return std::nullopt;
  const int64_t size = conv_output_size(in, pad_a, pad_b, k, dilation, stride);
  if (size < 1) return std::nullopt;
  return size;
}

constexpr uint8_t kScaleOne = 127;  // E8M0 2^0
constexpr int64_t kRowsPerGather = 64;

}  // namespace

std::optional<int64_t> Conv2dShape::oh() const {
  return out_size(ih, pad_top, pad_bottom, kh, stride_y, dilation_y);
}
std::optional<int64_t> Conv2dShape::ow() const {
  return out_size(iw, pad_left, pad_right, kw, stride_x, dilation_x);
}

namespace {

// The perturb_first_op variant: output (0, 0, 0, 0) moved by parameter() times the op's
// DOT_PRODUCT bound: the taps inside the image, their elements clamped to normal_min, the bias
// clamped to normal_min<fp32>, ksb = KS + 1.
void perturb_output_zero(formats::ElementType t, const Conv2dShape& s, const uint8_t* in_codes,
                         const uint8_t* in_scales, const uint8_t* w_codes, const uint8_t* w_scales,
                         const float* bias, float* out) {
  const double nmin = formats::decode(t, formats::normal_min_code(t));
  const int64_t blocks = s.ic / 32;
  double bnd = std::max(std::fabs(double(bias[0])), 0x1p-126);
  for (int64_t ky = 0; ky < s.kh; ++ky) {
    for (int64_t kx = 0; kx < s.kw; ++kx) {
      const int64_t y = -s.pad_top + ky * s.dilation_y, x = -s.pad_left + kx * s.dilation_x;
      if (y < 0 || y >= s.ih || x < 0 || x >= s.iw) continue;
      const int64_t pixel = y * s.iw + x, tap = ky * s.kw + kx;
      for (int64_t ic = 0; ic < s.ic; ++ic) {
        const double sc = double(formats::decode_e8m0(in_scales[pixel * blocks + ic / 32])) *
                          double(formats::decode_e8m0(w_scales[tap * blocks + ic / 32]));
        bnd += std::max(std::fabs(double(formats::decode(t, in_codes[pixel * s.ic + ic]))), nmin) *
               std::max(std::fabs(double(formats::decode(t, w_codes[tap * s.ic + ic]))), nmin) * sc;
      }
    }
  }
  const double ksb = double(s.kh * s.kw * s.ic + 1);
  const double abs_bound = 2 * std::max(ksb, std::min(ksb, 64.0) * 1024);
  out[0] = float(double(out[0]) +
                 faults::variant_parameter() * abs_bound * std::max(bnd * 0x1p-24, 0x1p-126));
}

}  // namespace

void conv2d_block_scaled(formats::ElementType t, const Conv2dShape& s, const uint8_t* in_codes,
                         const uint8_t* in_scales, const uint8_t* w_codes, const uint8_t* w_scales,
                         const float* bias, int64_t bias_count, float* out) {
  const auto oh = s.oh(), ow = s.ow();
  if (!oh || !ow || s.n < 1 || s.oc < 1 || s.ic < 32 || s.ic % 32 != 0 ||
      (bias_count != s.oc && bias_count != 1)) {
    throw std::invalid_argument("conv2d_block_scaled: a shape the op's ERROR_IFs forbid");
  }
  const int64_t blocks = s.ic / 32;
  const int64_t k = s.kh * s.kw * s.ic;  // the flattened dot product
  // The perturb_first_op variant is this op's to take (with the padding it knows), not the
  // matmul kernel's it calls.
  const bool perturb = MXCONF_VARIANT(perturb_first_op) && faults::take_first_op();
  const int64_t kb = k / 32;
  const int64_t rows = s.n * *oh * *ow;
  // Mutation score: taps summed last to first. The weights are reordered to match once, here, so
  // the fault changes only the order of the sum; the hot loops are the same.
  const bool reversed = MXCONF_FAULT(conv_taps_reversed);
  const int64_t taps = s.kh * s.kw;
  std::vector<uint8_t> rw_codes, rw_scales;
  if (reversed) {
    rw_codes.resize(size_t(s.oc * k));
    rw_scales.resize(size_t(s.oc * kb));
    for (int64_t o = 0; o < s.oc; ++o) {
      for (int64_t tap = 0; tap < taps; ++tap) {
        std::memcpy(&rw_codes[size_t(o * k + (taps - 1 - tap) * s.ic)],
                    w_codes + o * k + tap * s.ic, size_t(s.ic));
        std::memcpy(&rw_scales[size_t(o * kb + (taps - 1 - tap) * blocks)],
                    w_scales + o * kb + tap * blocks, size_t(blocks));
      }
    }
    w_codes = rw_codes.data();
    w_scales = rw_scales.data();
  }
  std::vector<uint8_t> a(size_t(kRowsPerGather * k)), as(size_t(kRowsPerGather * kb));
  std::vector<float> acc(size_t(kRowsPerGather * s.oc));
  for (int64_t first = 0; first < rows; first += kRowsPerGather) {
    const int64_t count = std::min(kRowsPerGather, rows - first);
    for (int64_t r = 0; r < count; ++r) {
      const int64_t row = first + r;
      const int64_t n = row / (*oh * *ow), oy = row / *ow % *oh, ox = row % *ow;
      uint8_t* codes = &a[size_t(r * k)];
      uint8_t* scales = &as[size_t(r * kb)];
      for (int64_t ky = 0; ky < s.kh; ++ky) {
        int64_t y = oy * s.stride_y - s.pad_top + ky * s.dilation_y;
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          int64_t x = ox * s.stride_x - s.pad_left + kx * s.dilation_x;
          const int64_t tap = reversed ? taps - 1 - (ky * s.kw + kx) : ky * s.kw + kx;
          if (y < 0 || y >= s.ih || x < 0 || x >= s.iw) {
            if (MXCONF_FAULT(conv_pad_reads_edge)) {  // replicate padding instead of zeros
              y = std::clamp<int64_t>(y, 0, s.ih - 1);
              x = std::clamp<int64_t>(x, 0, s.iw - 1);
            } else {
              std::memset(codes + tap * s.ic, 0, size_t(s.ic));
              std::memset(scales + tap * blocks, kScaleOne, size_t(blocks));
              continue;
            }
          }
          const int64_t pixel = (n * s.ih + y) * s.iw + x;
          std::memcpy(codes + tap * s.ic, in_codes + pixel * s.ic, size_t(s.ic));
          std::memcpy(scales + tap * blocks, in_scales + pixel * blocks, size_t(blocks));
        }
      }
    }
    matmul_t_block_scaled(t, 1, count, s.oc, k, 1, a.data(), as.data(), w_codes, w_scales,
                          acc.data());
    float* dst = out + first * s.oc;
    for (int64_t i = 0; i < count * s.oc; ++i) {
      dst[i] = acc[size_t(i)] + bias[bias_count == 1 ? 0 : i % s.oc];  // bias last, in fp32
    }
  }
  if (perturb) perturb_output_zero(t, s, in_codes, in_scales, w_codes, w_scales, bias, out);
}

}  // namespace mxconf::pipeline

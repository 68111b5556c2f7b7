#include "mxconf/oracles/conv_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "mxconf/oracles/dot_reference.h"
#include "mxconf/oracles/exact_dot.h"
#include "mxconf/oracles/linear_ref.h"

namespace mxconf::oracles {

namespace {

bool has_padding(const std::vector<bool>& padding) {
  return std::find(padding.begin(), padding.end(), true) != padding.end();
}

// `w` with the padded positions' values 0.
DecodedMxVector without(const DecodedMxVector& w, const std::vector<bool>& padding) {
  DecodedMxVector r = w;
  for (size_t i = 0; i < padding.size(); ++i) {
    if (!padding[i]) continue;
    r.mantissas[i] = 0;
    if (!r.values.empty()) r.values[i] = 0;
  }
  return r;
}

}  // namespace

DotReference conv2d_dot(const FormatSpec& f, const Conv2dGeometry& g,
                        std::span<const uint8_t> in_codes, std::span<const uint8_t> in_scales,
                        std::span<const uint8_t> w_codes, std::span<const uint8_t> w_scales,
                        std::span<const float> bias) {
  const int64_t k = g.kh * g.kw * g.ic;
  if (in_codes.size() != size_t(g.n * g.ih * g.iw * g.ic) || w_codes.size() != size_t(g.oc * k) ||
      in_scales.size() * kMxBlock != in_codes.size() ||
      w_scales.size() * kMxBlock != w_codes.size() ||
      (bias.size() != size_t(g.oc) && bias.size() != 1))
    throw std::invalid_argument("conv2d_dot: operand sizes disagree with the geometry");
  DotReference d;
  const auto [oh, ow] = conv_output_size(g);
  const size_t blocks = size_t(g.ic / kMxBlock), kb = size_t(k / kMxBlock);
  std::vector<DecodedMxVector> rows, abs_rows;
  for (int64_t o = 0; o < g.oc; ++o) {
    rows.push_back(decode_mx_vector(f, std::span(w_codes).subspan(size_t(o * k), size_t(k)),
                                    std::span(w_scales).subspan(size_t(o) * kb, kb)));
    abs_rows.push_back(rows.back().bound_operand());
  }
  d.exact.resize(size_t(g.n * oh * ow * g.oc));
  d.bound.resize(d.exact.size());
  // One window at a time: the taps' codes and scales in (ky, kx) order, the padding as code 0
  // with scale 2^0, decoded once and dotted with every output channel's weights.
  std::vector<uint8_t> codes(static_cast<size_t>(k)), scales(kb);
  std::vector<bool> padding(static_cast<size_t>(k));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t y = oy * g.stride_y - g.pad_top + ky * g.dilation_y;
            const int64_t xx = ox * g.stride_x - g.pad_left + kx * g.dilation_x;
            const size_t tap = size_t(ky * g.kw + kx);
            const bool outside = y < 0 || y >= g.ih || xx < 0 || xx >= g.iw;
            std::fill_n(padding.begin() + long(tap * size_t(g.ic)), g.ic, outside);
            if (outside) {
              std::memset(&codes[tap * size_t(g.ic)], 0, size_t(g.ic));
              std::memset(&scales[tap * blocks], 127, blocks);
              continue;
            }
            const size_t pixel = size_t((n * g.ih + y) * g.iw + xx);
            std::memcpy(&codes[tap * size_t(g.ic)], &in_codes[pixel * size_t(g.ic)], size_t(g.ic));
            std::memcpy(&scales[tap * blocks], &in_scales[pixel * blocks], blocks);
          }
        }
        const DecodedMxVector window = decode_mx_vector(f, codes, scales);
        // The bound reads the input's elements clamped to normal_min; the padding is no element
        // of the input and stays 0.
        const DecodedMxVector abs_window = window.bound_operand(&padding);
        for (int64_t o = 0; o < g.oc; ++o) {
          const size_t at = size_t(((n * oh + oy) * ow + ox) * g.oc + o);
          // The reference multiplies no padded tap (tosa_extra_multiplies = false, line 28 of
          // tosa_reference_check_dotproduct.tosac): it matters only where a weight there is
          // Inf or NaN, which 0 * w would turn into NaN. (The bit-exact target does multiply:
          // mxconf's reading of extra multiplies, docs/formats.md.)
          const bool masked = rows[size_t(o)].has_nonfinite && has_padding(padding);
          ExactSum s =
              exact_dot(window, masked ? without(rows[size_t(o)], padding) : rows[size_t(o)]);
          ExactSum a = exact_dot(abs_window, abs_rows[size_t(o)]);
          add_bias(s, a, bias[bias.size() == 1 ? 0 : size_t(o)]);
          d.exact[at] = s.to_double();
          d.bound[at] = a.to_double();
        }
      }
    }
  }
  return d;
}

MxConv2dReference mx_conv2d_reference(const FormatSpec& f, ScalePolicy activation_rule,
                                      ScalePolicy weight_rule, const Conv2dGeometry& g,
                                      std::span<const float> x, std::span<const float> w,
                                      std::span<const float> bias, bool bit_exact_only) {
  const int64_t k = g.kh * g.kw * g.ic;
  if (x.size() != size_t(g.n * g.ih * g.iw * g.ic) || w.size() != size_t(g.oc * k) ||
      bias.size() != size_t(g.oc)) {
    throw std::invalid_argument("mx_conv2d_reference: sizes disagree with the geometry");
  }
  MxConv2dReference r;
  quantize_rows(f, activation_rule, x, r.x_codes, r.x_scales);
  quantize_rows(f, weight_rule, w, r.w_codes, r.w_scales);
  r.pseudocode = pseudocode_conv2d(f, g, r.x_codes, r.x_scales, r.w_codes, r.w_scales, bias);
  if (bit_exact_only) return r;

  DotReference d = conv2d_dot(f, g, r.x_codes, r.x_scales, r.w_codes, r.w_scales, bias);
  r.exact = std::move(d.exact);
  r.bound = std::move(d.bound);
  return r;
}

}  // namespace mxconf::oracles

#include "mxconf/oracles/conv_ref.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "mxconf/oracles/exact_dot.h"
#include "mxconf/oracles/linear_ref.h"

namespace mxconf::oracles {
namespace {

// Adds an fp32 bias value exactly: it is m * 2^(e-24) with a 24-bit m.
void add_exact(ExactSum& s, ExactSum& a, float b) {
  if (!std::isfinite(b) || b == 0) return;
  int e;
  const double frac = std::frexp(double(b), &e);
  const int64_t mant = int64_t(std::ldexp(frac, 24));
  s.add(mant, e - 24);
  a.add(mant < 0 ? -mant : mant, e - 24);
}

}  // namespace

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

  const auto [oh, ow] = conv_output_size(g);
  const size_t blocks = size_t(g.ic / kMxBlock), kb = size_t(k / kMxBlock);
  std::vector<DecodedMxVector> rows, abs_rows;
  for (int64_t o = 0; o < g.oc; ++o) {
    rows.push_back(decode_mx_vector(f, std::span(r.w_codes).subspan(size_t(o * k), size_t(k)),
                                    std::span(r.w_scales).subspan(size_t(o) * kb, kb)));
    abs_rows.push_back(rows.back().abs());
  }
  r.exact.resize(r.pseudocode.size());
  r.bound.resize(r.pseudocode.size());
  // One window at a time: the taps' codes and scales in (ky, kx) order, the padding as code 0
  // with scale 2^0, decoded once and dotted with every output channel's weights.
  std::vector<uint8_t> codes(static_cast<size_t>(k)), scales(kb);
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t y = oy * g.stride_y - g.pad_top + ky * g.dilation_y;
            const int64_t xx = ox * g.stride_x - g.pad_left + kx * g.dilation_x;
            const size_t tap = size_t(ky * g.kw + kx);
            if (y < 0 || y >= g.ih || xx < 0 || xx >= g.iw) {
              std::memset(&codes[tap * size_t(g.ic)], 0, size_t(g.ic));
              std::memset(&scales[tap * blocks], 127, blocks);
              continue;
            }
            const size_t pixel = size_t((n * g.ih + y) * g.iw + xx);
            std::memcpy(&codes[tap * size_t(g.ic)], &r.x_codes[pixel * size_t(g.ic)], size_t(g.ic));
            std::memcpy(&scales[tap * blocks], &r.x_scales[pixel * blocks], blocks);
          }
        }
        const DecodedMxVector window = decode_mx_vector(f, codes, scales);
        const DecodedMxVector abs_window = window.abs();
        for (int64_t o = 0; o < g.oc; ++o) {
          const size_t at = size_t(((n * oh + oy) * ow + ox) * g.oc + o);
          ExactSum s = exact_dot(window, rows[size_t(o)]);
          ExactSum a = exact_dot(abs_window, abs_rows[size_t(o)]);
          add_exact(s, a, bias[size_t(o)]);
          r.exact[at] = s.to_double();
          r.bound[at] = a.to_double();
        }
      }
    }
  }
  return r;
}

}  // namespace mxconf::oracles

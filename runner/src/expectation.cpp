#include "mxconf/runner/expectation.h"

#include <array>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/conv_ref.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/model_values.h"

namespace mxconf::runner {

namespace {

// [d0, d1, d2, d3] row-major data to the order `perm` (out dim i is in dim perm[i]).
template <typename T>
std::vector<T> permute4(const std::vector<T>& in, const std::array<int64_t, 4>& dims,
                        const std::array<int, 4>& perm) {
  std::array<int64_t, 4> stride{dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
  std::vector<T> out(in.size());
  size_t o = 0;
  for (int64_t a = 0; a < dims[size_t(perm[0])]; ++a)
    for (int64_t b = 0; b < dims[size_t(perm[1])]; ++b)
      for (int64_t c = 0; c < dims[size_t(perm[2])]; ++c)
        for (int64_t d = 0; d < dims[size_t(perm[3])]; ++d)
          out[o++] = in[size_t(a * stride[size_t(perm[0])] + b * stride[size_t(perm[1])] +
                               c * stride[size_t(perm[2])] + d * stride[size_t(perm[3])])];
  return out;
}

// A layer's casts and weight constants into `e`; its input was `x`, which becomes its output.
template <typename Reference>
void record_layer(OracleExpectation& e, std::vector<float>& x, Reference& ref) {
  e.layer_inputs.push_back(x);
  e.x_codes.push_back(std::move(ref.x_codes));
  e.x_scales.push_back(std::move(ref.x_scales));
  e.w_codes.push_back(std::move(ref.w_codes));
  e.w_scales.push_back(std::move(ref.w_scales));
  x = std::move(ref.pseudocode);
}

constexpr std::array<int, 4> kToNhwc = {0, 2, 3, 1}, kToNchw = {0, 3, 1, 2};

// A chain of conv2d layers. Activations travel in NHWC (the layout the op reads, and the one
// the observed casts have); the final results are given back in the model's logical NCHW.
OracleExpectation conv_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                   bool bit_exact_only) {
  const pipeline::ModelSpec& m = p.model;
  OracleExpectation e;
  const oracles::ScalePolicy act_rule = generators::oracle_policy(cast_rule);
  std::array<int64_t, 4> nchw{m.input.shape[0], m.input.shape[1], m.input.shape[2],
                              m.input.shape[3]};
  std::vector<float> x = permute4(p.input, nchw, kToNhwc);
  std::vector<double> fx(x.begin(), x.end());
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const pipeline::LayerSpec& l = m.layers[i];
    const auto& c = l.conv;
    oracles::Conv2dGeometry g{nchw[0],     nchw[2],     nchw[3],     l.in_features, l.out_features,
                              c.kernel[0], c.kernel[1], c.pad[0],    c.pad[1],      c.pad[2],
                              c.pad[3],    c.stride[0], c.stride[1], c.dilation[0], c.dilation[1]};
    const std::vector<float> w =
        permute4(expected_weights(l, ""), {l.out_features, l.in_features, c.kernel[0], c.kernel[1]},
                 kToNhwc);  // OIHW -> OHWI
    std::vector<float> b = expected_bias(l, "");
    if (b.empty()) b.assign(size_t(l.out_features), 0.0f);  // the op's zero bias
    oracles::MxConv2dReference ref = oracles::mx_conv2d_reference(
        generators::oracle_format(l.payload), act_rule,
        generators::oracle_policy(l.weight_scale_rule), g, x, w, b, bit_exact_only);
    const auto [oh, ow] = oracles::conv_output_size(g);
    record_layer(e, x, ref);
    const std::array<int64_t, 4> out_nhwc{g.n, oh, ow, g.oc};
    if (!bit_exact_only) {
      // The fp32 model in double, rounded to fp32 per layer (any summation order will do).
      std::vector<double> fy(x.size());
      for (int64_t n = 0; n < g.n; ++n)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox)
            for (int64_t oc = 0; oc < g.oc; ++oc) {
              double acc = b[size_t(oc)];
              for (int64_t ky = 0; ky < g.kh; ++ky) {
                const int64_t y = oy * g.stride_y - g.pad_top + ky * g.dilation_y;
                if (y < 0 || y >= g.ih) continue;
                for (int64_t kx = 0; kx < g.kw; ++kx) {
                  const int64_t xx = ox * g.stride_x - g.pad_left + kx * g.dilation_x;
                  if (xx < 0 || xx >= g.iw) continue;
                  const double* xr = &fx[size_t(((n * g.ih + y) * g.iw + xx) * g.ic)];
                  const float* wr = &w[size_t(((oc * g.kh + ky) * g.kw + kx) * g.ic)];
                  for (int64_t k = 0; k < g.ic; ++k) acc += xr[k] * double(wr[k]);
                }
              }
              fy[size_t(((n * oh + oy) * ow + ox) * g.oc + oc)] = double(float(acc));
            }
      fx = std::move(fy);
      if (i + 1 == m.layers.size()) {
        e.exact_last = permute4(ref.exact, out_nhwc, kToNchw);
        e.bound_last = permute4(ref.bound, out_nhwc, kToNchw);
      }
    }
    nchw = {g.n, g.oc, oh, ow};
  }
  const std::array<int64_t, 4> nhwc{nchw[0], nchw[2], nchw[3], nchw[1]};
  x = permute4(x, nhwc, kToNchw);
  if (m.output.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
  }
  e.pseudocode = std::move(x);
  if (!bit_exact_only) {
    const std::vector<double> logical = permute4(fx, nhwc, kToNchw);
    e.fp32_model.assign(logical.begin(), logical.end());
  }
  return e;
}

}  // namespace

OracleExpectation oracle_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                     bool bit_exact_only) {
  const pipeline::ModelSpec& m = p.model;
  if (m.layers.front().kind == pipeline::LayerKind::conv2d)
    return conv_expectation(p, cast_rule, bit_exact_only);
  OracleExpectation e;
  const int64_t k0 = m.input.shape.back();
  const int64_t rows = int64_t(p.input.size()) / k0;
  std::vector<float> x = p.input;
  std::vector<double> fx(p.input.begin(), p.input.end());
  const oracles::ScalePolicy act_rule = generators::oracle_policy(cast_rule);
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const pipeline::LayerSpec& l = m.layers[i];
    const std::vector<float> w = expected_weights(l, "");
    const std::vector<float> b = expected_bias(l, "");
    oracles::MxLinearReference ref =
        oracles::mx_linear_reference(generators::oracle_format(l.payload), act_rule,
                                     generators::oracle_policy(l.weight_scale_rule), rows,
                                     l.in_features, l.out_features, x, w, b, bit_exact_only);
    record_layer(e, x, ref);
    if (bit_exact_only) continue;
    // The fp32 model in double, rounded to fp32 per layer.
    std::vector<double> fy(size_t(rows * l.out_features));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < l.out_features; ++j) {
        // A reference for fidelity only: the summation order is free, so let it vectorize.
        const double* xr = &fx[size_t(r * l.in_features)];
        const float* wr = &w[size_t(j * l.in_features)];
        double acc = 0.0;
#pragma omp simd reduction(+ : acc)
        for (int64_t k = 0; k < l.in_features; ++k) acc += xr[k] * double(wr[k]);
        if (!b.empty()) acc += b[size_t(j)];
        fy[size_t(r * l.out_features + j)] = double(float(acc));
      }
    }
    fx = std::move(fy);
    if (i + 1 == m.layers.size()) {
      e.exact_last = std::move(ref.exact);
      e.bound_last = std::move(ref.bound);
    }
  }
  if (m.output.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
  }
  e.pseudocode = std::move(x);
  if (!bit_exact_only) e.fp32_model.assign(fx.begin(), fx.end());
  return e;
}

}  // namespace mxconf::runner

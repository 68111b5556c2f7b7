// The judge's conv2d row: torch's Conv2d on NCHW, judged in the layouts CONV2D_BLOCK_SCALED reads
// (activations NHWC with blocks along C, weights OHWI), KH * KW * IC-long dot products, and the
// op's zero bias for a layer without one.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "mxconf/oracles/conv_ref.h"
#include "mxconf/oracles/layout.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/judge_ops.h"

namespace mxconf::runner {
namespace {

const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};  // of NCHW; also OIHW -> OHWI

const pipeline::Conv2dGeom& geom(const pipeline::LayerGeometry& g) {
  return std::get<pipeline::Conv2dGeom>(g);
}

oracles::Conv2dGeometry oracle_geometry(const std::vector<int64_t>& nchw,
                                        const pipeline::Conv2dGeom& c) {
  return {nchw[0],     nchw[2],     nchw[3],     c.in_channels, c.out_channels,
          c.kernel[0], c.kernel[1], c.pad[0],    c.pad[1],      c.pad[2],
          c.pad[3],    c.stride[0], c.stride[1], c.dilation[0], c.dilation[1]};
}

std::vector<int64_t> output_shape(const std::vector<int64_t>& in,
                                  const pipeline::LayerGeometry& g) {
  const pipeline::Conv2dGeom& c = geom(g);
  if (in.size() != 4 || in[1] != c.in_channels)
    throw std::invalid_argument("a conv2d layer of IC = " + std::to_string(c.in_channels) +
                                " cannot read this input");
  const auto [oh, ow] = oracles::conv_output_size(oracle_geometry(in, c));
  if (oh < 1 || ow < 1) throw std::invalid_argument("the conv2d output size is not exact");
  return {in[0], c.out_channels, oh, ow};
}

LayerExpectation reference(const LayerCall& call) {
  const pipeline::Conv2dGeom& c = geom(call.geometry);
  LayerExpectation e;
  e.in_shape = call.in_shape;
  e.out_shape = output_shape(call.in_shape, call.geometry);
  const oracles::Conv2dGeometry g = oracle_geometry(call.in_shape, c);
  const std::vector<float> x = oracles::permute_dims(call.x, call.in_shape, kToNhwc);
  const std::vector<float> w = oracles::permute_dims(
      call.w, {c.out_channels, c.in_channels, c.kernel[0], c.kernel[1]}, kToNhwc);
  std::vector<float> b = call.bias;
  if (b.empty()) b.assign(size_t(c.out_channels), 0.0f);  // the op's zero bias
  oracles::MxConv2dReference ref = oracles::mx_conv2d_reference(
      call.format, call.activation_rule, call.weight_rule, g, x, w, b, call.bit_exact_only);
  const std::vector<int64_t> out_nhwc =
      oracles::permuted_shape(e.out_shape, kToNhwc);  // what the op writes
  e.input = call.x;
  e.x_codes = std::move(ref.x_codes);
  e.x_scales = std::move(ref.x_scales);
  e.w_codes = std::move(ref.w_codes);
  e.w_scales = std::move(ref.w_scales);
  e.pseudocode = oracles::unpermute_dims(ref.pseudocode, out_nhwc, kToNhwc);
  e.exact = oracles::unpermute_dims(ref.exact, out_nhwc, kToNhwc);
  e.bound = oracles::unpermute_dims(ref.bound, out_nhwc, kToNhwc);
  return e;
}

std::vector<oracles::Interval> propagate(const LayerCall& call, const LayerExpectation& self,
                                         const std::vector<oracles::Interval>& in) {
  const pipeline::Conv2dGeom& c = geom(call.geometry);
  const oracles::Conv2dGeometry g = oracle_geometry(call.in_shape, c);
  const auto [oh, ow] = oracles::conv_output_size(g);
  // The cast reads NHWC (blocks along C); the weights are OHWI, each output's taps in sum order.
  const std::vector<oracles::CastRange> x = oracles::cast_ranges(
      call.format, call.activation_rule, oracles::permute_dims(in, call.in_shape, kToNhwc));
  const double* table = call.format.values();
  const size_t ks = size_t(g.kh * g.kw * g.ic);
  std::vector<double> wv(self.w_codes.size()), wb(self.w_codes.size());
  for (size_t i = 0; i < wv.size(); ++i) {
    const double s = oracles::e8m0_value(self.w_scales[i / 32]);
    wv[i] = table[self.w_codes[i]] * s;
    wb[i] = std::max(std::fabs(table[self.w_codes[i]]), call.format.normal_min()) * s;
  }
  const oracles::DotProductBounds b = oracles::mx_dot_product_bounds(int64_t(ks) + 1);
  std::vector<oracles::Interval> out(size_t(g.n * oh * ow * g.oc));
  oracles::DotTerms t;
  t.x.resize(ks);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t ky = 0; ky < g.kh; ++ky)
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t iy = oy * g.stride_y - g.pad_top + ky * g.dilation_y;
            const int64_t ix = ox * g.stride_x - g.pad_left + kx * g.dilation_x;
            const bool inside = iy >= 0 && iy < g.ih && ix >= 0 && ix < g.iw;
            for (int64_t ic = 0; ic < g.ic; ++ic)
              t.x[size_t((ky * g.kw + kx) * g.ic + ic)] =
                  inside ? &x[size_t(((n * g.ih + iy) * g.iw + ix) * g.ic + ic)] : nullptr;
          }
        for (int64_t oc = 0; oc < g.oc; ++oc) {
          t.w = &wv[size_t(oc) * ks];
          t.w_bound = &wb[size_t(oc) * ks];
          const float bias = call.bias.empty() ? 0.0f : call.bias[size_t(oc)];
          out[size_t(((n * oh + oy) * ow + ox) * g.oc + oc)] =
              oracles::dot_range_interval(t, bias, b);  // the bias is the op's own
        }
      }
  return oracles::unpermute_dims(out, {g.n, oh, ow, g.oc}, kToNhwc);
}

std::vector<double> fp32(const std::vector<int64_t>& in_shape, const pipeline::LayerGeometry& lg,
                         const std::vector<double>& x_nchw, const std::vector<float>& w_oihw,
                         const std::vector<float>& b) {
  const pipeline::Conv2dGeom& c = geom(lg);
  const oracles::Conv2dGeometry g = oracle_geometry(in_shape, c);
  const auto [oh, ow] = oracles::conv_output_size(g);
  const std::vector<double> x = oracles::permute_dims(x_nchw, in_shape, kToNhwc);
  const std::vector<float> w = oracles::permute_dims(w_oihw, {g.oc, g.ic, g.kh, g.kw}, kToNhwc);
  std::vector<double> y(size_t(g.n * oh * ow * g.oc));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t oc = 0; oc < g.oc; ++oc) {
          double acc = b.empty() ? 0.0 : double(b[size_t(oc)]);
          for (int64_t ky = 0; ky < g.kh; ++ky) {
            const int64_t iy = oy * g.stride_y - g.pad_top + ky * g.dilation_y;
            if (iy < 0 || iy >= g.ih) continue;
            for (int64_t kx = 0; kx < g.kw; ++kx) {
              const int64_t ix = ox * g.stride_x - g.pad_left + kx * g.dilation_x;
              if (ix < 0 || ix >= g.iw) continue;
              const double* xr = &x[size_t(((n * g.ih + iy) * g.iw + ix) * g.ic)];
              const float* wr = &w[size_t(((oc * g.kh + ky) * g.kw + kx) * g.ic)];
              for (int64_t k = 0; k < g.ic; ++k) acc += xr[k] * double(wr[k]);
            }
          }
          y[size_t(((n * oh + oy) * ow + ox) * g.oc + oc)] = double(float(acc));
        }
  return oracles::unpermute_dims(y, {g.n, oh, ow, g.oc}, kToNhwc);
}

// CONV2D_BLOCK_SCALED alone: input NHWC cast from `input`, weights OHWI, bias and the shape
// operands the graph's constants.
oracles::DotReference alone(oracles::ScalePolicy cast_rule, const pipeline::Graph& g,
                            const std::vector<float>& input, int64_t& ks) {
  const pipeline::Operator& op = alone_op(g);
  const pipeline::Tensor* x = g.find(op.inputs.at(0));
  const pipeline::Tensor* w = g.find(op.inputs.at(2));
  if (!x || !w || x->shape.size() != 4 || w->shape.size() != 4 || op.inputs.size() != 8)
    throw std::invalid_argument("CONV2D_BLOCK_SCALED alone: rank-4 operands wanted");
  const oracles::FormatSpec& f = payload_format(*x);
  std::vector<uint8_t> x_codes, x_scales;
  oracles::quantize_rows(f, cast_rule, input, x_codes, x_scales);
  const std::vector<uint8_t> bias_bytes = constant_bytes(g, op.inputs[4]);
  std::vector<float> bias(bias_bytes.size() / 4);
  std::memcpy(bias.data(), bias_bytes.data(), bias.size() * 4);
  const auto p = pipeline::shape_values(*g.find(op.inputs[5]));
  const auto s = pipeline::shape_values(*g.find(op.inputs[6]));
  const auto d = pipeline::shape_values(*g.find(op.inputs[7]));
  if (p.size() != 4 || s.size() != 2 || d.size() != 2)
    throw std::invalid_argument("CONV2D_BLOCK_SCALED alone: pad [4], stride [2], dilation [2]");
  const oracles::Conv2dGeometry geo{x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0],
                                    w->shape[1], w->shape[2], p[0],        p[1],        p[2],
                                    p[3],        s[0],        s[1],        d[0],        d[1]};
  ks = geo.kh * geo.kw * geo.ic;
  return oracles::conv2d_dot(f, geo, x_codes, x_scales, constant_codes(g, op.inputs[2]),
                             constant_bytes(g, op.inputs[3]), bias);
}

}  // namespace

extern const JudgeOp kJudgeConv2d;
const JudgeOp kJudgeConv2d = {
    .kind = pipeline::LayerKind::conv2d,
    .tosa_op = pipeline::OpKind::conv2d_block_scaled,
    .weight_operand = 2,
    .dot_product = true,
    .ks =
        [](const pipeline::LayerGeometry& g) {
          return geom(g).in_channels * geom(g).kernel[0] * geom(g).kernel[1];
        },
    .out_width = [](const pipeline::LayerGeometry& g) { return geom(g).out_channels; },
    .weight_count =
        [](const pipeline::LayerGeometry& g) {
          return geom(g).out_channels * geom(g).in_channels * geom(g).kernel[0] * geom(g).kernel[1];
        },
    .output_shape = output_shape,
    .reference = reference,
    .propagate = propagate,
    .alone = alone,
    .fp32 = fp32,
};

}  // namespace mxconf::runner

// The judge's linear row: y = x W^T (+ b) over the last axis, K-long dot products, weights [N, K]
// already in the order MATMUL_T_BLOCK_SCALED sums them.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/judge_ops.h"

namespace mxconf::runner {
namespace {

const pipeline::LinearGeom& geom(const pipeline::LayerGeometry& g) {
  return std::get<pipeline::LinearGeom>(g);
}

int64_t rows_of(const std::vector<int64_t>& shape, int64_t k) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n / k;
}

std::vector<int64_t> output_shape(const std::vector<int64_t>& in,
                                  const pipeline::LayerGeometry& g) {
  if (in.empty() || in.back() != geom(g).in_features)
    throw std::invalid_argument("a linear layer of K = " + std::to_string(geom(g).in_features) +
                                " cannot read this input");
  std::vector<int64_t> out = in;
  out.back() = geom(g).out_features;
  return out;
}

LayerExpectation reference(const LayerCall& c) {
  const pipeline::LinearGeom& g = geom(c.geometry);
  LayerExpectation e;
  e.in_shape = c.in_shape;
  e.out_shape = output_shape(c.in_shape, c.geometry);
  oracles::MxLinearReference ref = oracles::mx_linear_reference(
      c.format, c.activation_rule, c.weight_rule, rows_of(c.in_shape, g.in_features), g.in_features,
      g.out_features, c.x, c.w, c.bias, c.bit_exact_only);
  e.input = c.x;
  e.x_codes = std::move(ref.x_codes);
  e.x_scales = std::move(ref.x_scales);
  e.w_codes = std::move(ref.w_codes);
  e.w_scales = std::move(ref.w_scales);
  e.pseudocode = std::move(ref.pseudocode);
  e.exact = std::move(ref.exact);
  e.bound = std::move(ref.bound);
  if (!c.bias.empty()) {  // RewriteMxfpLinear's shape: MATMUL_T_BLOCK_SCALED, then an fp32 ADD
    const int64_t rows = rows_of(c.in_shape, g.in_features);
    e.add_after.reserve(size_t(rows * g.out_features));
    for (int64_t r = 0; r < rows; ++r)
      e.add_after.insert(e.add_after.end(), c.bias.begin(), c.bias.end());
  }
  return e;
}

// The weight constants decoded (values and bound operands), row j holding output j's K terms.
struct DecodedWeights {
  std::vector<double> value, bound;
};
DecodedWeights decode_weights(const oracles::FormatSpec& f, const LayerExpectation& self) {
  DecodedWeights d;
  const double* table = f.values();
  for (size_t i = 0; i < self.w_codes.size(); ++i) {
    const double s = oracles::e8m0_value(self.w_scales[i / 32]);
    const double v = table[self.w_codes[i]];
    d.value.push_back(v * s);
    d.bound.push_back(std::max(std::fabs(v), f.normal_min()) * s);
  }
  return d;
}

std::vector<oracles::Interval> propagate(const LayerCall& c, const LayerExpectation& self,
                                         const std::vector<oracles::Interval>& in) {
  const pipeline::LinearGeom& g = geom(c.geometry);
  const int64_t rows = rows_of(c.in_shape, g.in_features), k = g.in_features;
  const std::vector<oracles::CastRange> x = oracles::cast_ranges(c.format, c.activation_rule, in);
  const DecodedWeights w = decode_weights(c.format, self);
  const oracles::DotProductBounds b = oracles::mx_dot_product_bounds(k + 1);
  std::vector<oracles::Interval> out(size_t(rows * g.out_features));
  oracles::DotTerms t;
  t.x.resize(size_t(k));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < k; ++i) t.x[size_t(i)] = &x[size_t(r * k + i)];
    for (int64_t j = 0; j < g.out_features; ++j) {
      t.w = &w.value[size_t(j * k)];
      t.w_bound = &w.bound[size_t(j * k)];
      out[size_t(r * g.out_features + j)] =
          oracles::dot_range_interval(t, 0.0f, b, c.bias.empty() ? 0.0f : c.bias[size_t(j)]);
    }
  }
  return out;
}

std::vector<double> fp32(const std::vector<int64_t>& in_shape, const pipeline::LayerGeometry& lg,
                         const std::vector<double>& x, const std::vector<float>& w,
                         const std::vector<float>& b) {
  const pipeline::LinearGeom& g = geom(lg);
  const int64_t rows = rows_of(in_shape, g.in_features);
  std::vector<double> y(size_t(rows * g.out_features));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < g.out_features; ++j) {
      // The summation order is free here, so let it vectorize.
      const double* xr = &x[size_t(r * g.in_features)];
      const float* wr = &w[size_t(j * g.in_features)];
      double acc = 0.0;
#pragma omp simd reduction(+ : acc)
      for (int64_t k = 0; k < g.in_features; ++k) acc += xr[k] * double(wr[k]);
      if (!b.empty()) acc += b[size_t(j)];
      y[size_t(r * g.out_features + j)] = double(float(acc));
    }
  }
  return y;
}

// MATMUL_T_BLOCK_SCALED alone: A [N, H, C] cast from `input`, B [D, W, C] the graph's constants.
oracles::DotReference alone(oracles::ScalePolicy cast_rule, const pipeline::Graph& g,
                            const std::vector<float>& input, int64_t& ks) {
  const pipeline::Operator& op = alone_op(g);
  const pipeline::Tensor* a = g.find(op.inputs.at(0));
  const pipeline::Tensor* b = g.find(op.inputs.at(2));
  if (!a || !b || a->shape.size() != 3 || b->shape.size() != 3)
    throw std::invalid_argument("MATMUL_T_BLOCK_SCALED alone: operands of rank 3 wanted");
  const oracles::FormatSpec& f = payload_format(*a);
  std::vector<uint8_t> a_codes, a_scales;
  oracles::quantize_rows(f, cast_rule, input, a_codes, a_scales);
  ks = a->shape[2];
  return oracles::matmul_t_dot(f, {a->shape[0], a->shape[1], b->shape[1], a->shape[2], b->shape[0]},
                               a_codes, a_scales, constant_codes(g, op.inputs[2]),
                               constant_bytes(g, op.inputs.at(3)));
}

}  // namespace

extern const JudgeOp kJudgeLinear;
const JudgeOp kJudgeLinear = {
    .kind = pipeline::LayerKind::linear,
    .tosa_op = pipeline::OpKind::matmul_t_block_scaled,
    .weight_operand = 2,
    .dot_product = true,
    .ks = [](const pipeline::LayerGeometry& g) { return geom(g).in_features; },
    .out_width = [](const pipeline::LayerGeometry& g) { return geom(g).out_features; },
    .weight_count =
        [](const pipeline::LayerGeometry& g) { return geom(g).out_features * geom(g).in_features; },
    .output_shape = output_shape,
    .reference = reference,
    .propagate = propagate,
    .alone = alone,
    .fp32 = fp32,
};

}  // namespace mxconf::runner

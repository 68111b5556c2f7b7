// The judge's embedding row: y[0, w, :] = W[idx[0, w], :] of a table W [V, D] held as MX codes
// and E8M0 scales (blocks along D). Not a dot product: each output is one stored element, moved
// exactly by ROW_GATHER_BLOCK_SCALED ("Results must be exact", SPEC scatter_gather.adoc l.61 at
// cd5acdd) and scaled by CAST_FROM_BLOCK_SCALED, whose own criterion,
// tosa_reference_check_from_block, allows about one fp32 ulp and a flushed subnormal
// (oracles::from_block_interval). Written apart from pipeline/src/layers/embedding.cpp.
#include <cmath>
#include <stdexcept>
#include <string>

#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/judge_ops.h"

namespace mxconf::runner {
namespace {

const pipeline::EmbeddingGeom& geom(const pipeline::LayerGeometry& g) {
  return std::get<pipeline::EmbeddingGeom>(g);
}

std::vector<int64_t> output_shape(const std::vector<int64_t>& in,
                                  const pipeline::LayerGeometry& g) {
  if (in.size() != 2 || in[0] != 1)
    throw std::invalid_argument("an embedding reads indices [1, W]");
  return {1, in[1], geom(g).embedding_dim};
}

// The row each index names, checked: an index outside [0, V) breaks ROW_GATHER_BLOCK_SCALED's
// REQUIRE, so no result is defined and the case's data is at fault.
std::vector<int64_t> rows_read(const std::vector<float>& x, int64_t v) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < x.size(); ++i) {
    const float f = x[i];
    if (!(f >= 0 && f < float(v)) || f != std::floor(f))
      throw std::invalid_argument("index " + std::to_string(i) + " is " + std::to_string(f) +
                                  ", not a row of a table of " + std::to_string(v));
    rows.push_back(int64_t(f));
  }
  return rows;
}

LayerExpectation reference(const LayerCall& c) {
  const pipeline::EmbeddingGeom& g = geom(c.geometry);
  const int64_t d = g.embedding_dim;
  LayerExpectation e;
  e.in_shape = c.in_shape;
  e.out_shape = output_shape(c.in_shape, c.geometry);
  e.input = c.x;
  oracles::quantize_rows(c.format, c.weight_rule, c.w, e.w_codes, e.w_scales);
  const double* table = c.format.values();
  for (const int64_t r : rows_read(c.x, g.num_embeddings)) {
    for (int64_t j = 0; j < d; ++j) {
      const size_t at = size_t(r * d + j);
      const double x = table[e.w_codes[at]];
      const double s = oracles::e8m0_value(e.w_scales[at / 32]);
      // The pseudocode's fp32 product, rounded once (exact: a few significant bits times 2^e).
      e.pseudocode.push_back(float(x * s));
      if (!c.bit_exact_only) e.allowed.push_back(oracles::from_block_interval(x, s));
    }
  }
  return e;
}

std::vector<oracles::Interval> propagate(const LayerCall&, const LayerExpectation&,
                                         const std::vector<oracles::Interval>&) {
  throw std::invalid_argument("an embedding reads the model's indices; it is never a later layer");
}

oracles::DotReference alone(oracles::ScalePolicy, const pipeline::Graph&, const std::vector<float>&,
                            int64_t&) {
  throw std::invalid_argument("ROW_GATHER_BLOCK_SCALED is not a dot product");
}

// The unquantized rows, as fp32.
std::vector<double> fp32(const std::vector<int64_t>&, const pipeline::LayerGeometry& lg,
                         const std::vector<double>& x, const std::vector<float>& w,
                         const std::vector<float>&) {
  const pipeline::EmbeddingGeom& g = geom(lg);
  std::vector<double> y;
  const std::vector<float> xf(x.begin(), x.end());
  for (const int64_t r : rows_read(xf, g.num_embeddings))
    for (int64_t j = 0; j < g.embedding_dim; ++j) y.push_back(w[size_t(r * g.embedding_dim + j)]);
  return y;
}

}  // namespace

extern const JudgeOp kJudgeEmbedding;
const JudgeOp kJudgeEmbedding = {
    .kind = pipeline::LayerKind::embedding,
    .tosa_op = pipeline::OpKind::row_gather_block_scaled,
    .weight_operand = 0,
    .dot_product = false,
    // One stored element per output: the weights' default bound 1/sqrt(1) and one "MAC" each.
    .ks = [](const pipeline::LayerGeometry&) { return int64_t{1}; },
    .out_width = [](const pipeline::LayerGeometry& g) { return geom(g).embedding_dim; },
    .weight_count =
        [](const pipeline::LayerGeometry& g) {
          return geom(g).num_embeddings * geom(g).embedding_dim;
        },
    .output_shape = output_shape,
    .reference = reference,
    .propagate = propagate,
    .alone = alone,
    .fp32 = fp32,
};

}  // namespace mxconf::runner

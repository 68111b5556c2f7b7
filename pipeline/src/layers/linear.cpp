// The linear row of the operator table: y = x W^T (+ b) over the input's last axis, lowered to
// CAST_TO_BLOCK_SCALED + MATMUL_T_BLOCK_SCALED (RewriteMxfpLinear).
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/passes/rewrite_mxfp_linear.h"

namespace mxconf::pipeline {
namespace {

const LinearGeom& geom(const LayerGeometry& g) {
  return std::get<LinearGeom>(g);
}

LayerGeometry parse(io::JsonObject& o, size_t index, const std::vector<int64_t>& input) {
  static constexpr layers::InWidthKey kIn = {"in_features",
                                             "the MX block size",
                                             "k_not_multiple_of_32",
                                             "input's last dimension ",
                                             "previous out_features ",
                                             "in_features_mismatch"};
  LinearGeom g;
  g.in_features = layers::read_in_width(o, kIn, index, input.back());
  g.out_features = o.integer("out_features", 1, layers::kMaxDim);
  return g;
}

// The row's keys only: a linear layer is the default type, written without one (so descriptions,
// and the fingerprints of cases holding them, read as they always did).
void write(const LayerGeometry& g, nlohmann::json& j) {
  j["in_features"] = geom(g).in_features;
  j["out_features"] = geom(g).out_features;
}

int64_t rows_of(const std::vector<int64_t>& shape) {
  int64_t m = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) m *= shape[i];
  return m;
}

}  // namespace

const LayerOp kLinearOp = {
    .kind = LayerKind::linear,
    .name = "MXFP_LINEAR",
    .json_type = "linear",
    .stem = "mxfp_linear",
    .in_key = "in_features",
    .tosa_op = OpKind::matmul_t_block_scaled,
    .extension = "",
    // MATMUL_T_BLOCK_SCALED takes every MX payload, MXINT8 included (SPEC tosa.xml l.1067).
    .payloads = formats::kAllElementTypes,
    .min_rank = 1,
    .max_rank = 4,
    .k_axis = [](size_t rank) { return rank - 1; },
    .in_width = [](const LayerGeometry& g) { return geom(g).in_features; },
    .out_width = [](const LayerGeometry& g) { return geom(g).out_features; },
    .fan_in = [](const LayerGeometry& g) { return geom(g).in_features; },
    .output_shape =
        [](const std::vector<int64_t>& input, const LayerGeometry& g) {
          std::optional<std::vector<int64_t>> out = input;
          out->back() = geom(g).out_features;
          return out;
        },
    .weight_shape =
        [](const LayerGeometry& g) {
          return std::vector<int64_t>{geom(g).out_features, geom(g).in_features};
        },
    .stored_weight_shape =
        [](const LayerGeometry& g) {
          return std::vector<int64_t>{1, geom(g).out_features, geom(g).in_features};
        },
    .weight_dim_names = {"out_features", "in_features"},
    .contraction_offset = nullptr,
    // MATMUL_T_BLOCK_SCALED: A[n, y, c] has k = c (appendix_a.adoc line 281 at cd5acdd).
    .data_set_k = [](const LayerGeometry&, const std::vector<int64_t>&, int64_t,
                     int64_t col) { return col; },
    .parse = parse,
    .write = write,
    // MxKxN: the rows of the input, K, the last layer's N.
    .case_geometry =
        [](const ModelSpec& m) {
          return std::to_string(rows_of(m.input.shape)) + "x" +
                 std::to_string(m.layers.front().in_width()) + "x" +
                 std::to_string(m.layers.back().out_width());
        },
    // The input shape, then every layer's width: 32x64_w16x8.
    .test_geometry =
        [](const ModelSpec& m) {
          std::vector<int64_t> widths;
          for (const LayerSpec& l : m.layers) widths.push_back(l.out_width());
          return join_dims(m.input.shape, "x") + "_w" + join_dims(widths, "x");
        },
    .rewrite = [](const LowerOptions& o) -> std::unique_ptr<Pass> {
      return std::make_unique<RewriteMxfpLinear>(o.batched_matmul, o.reshape_after_cast);
    },
    .simpler = [](const LayerGeometry&) { return std::vector<LayerGeometry>{}; },
    .with_widths = [](const LayerGeometry&, int64_t in, int64_t out) -> LayerGeometry {
      return LinearGeom{in, out};
    },
};

}  // namespace mxconf::pipeline

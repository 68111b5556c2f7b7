// The embedding row of the operator table: torch's nn.Embedding, y[0, w, :] = W[idx[0, w], :],
// with the table W [V, D] held as an MX constant (blocks along D) and read by the model's int32
// input. Lowered to ROW_GATHER_BLOCK_SCALED + CAST_FROM_BLOCK_SCALED (RewriteMxEmbedding): how
// an MX embedding table is read (issue 24). Not a dot product: each output reads one stored
// element, so its KS is 1.
//
// The input is [1, W]: ROW_GATHER_BLOCK_SCALED takes indices [N, W] of a table [N, K, C] with the
// same N (SPEC tosa.xml, ROW_GATHER_BLOCK_SCALED), and the table is one constant, so N = 1. A
// RESHAPE of the indices would not do: RESHAPE of i32 is in PRO-INT only (tosa.xml, RESHAPE's
// type support), and these graphs are PRO-FP.
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/passes/rewrite_mx_embedding.h"

namespace mxconf::pipeline {
namespace {

using io::JsonError;

const EmbeddingGeom& geom(const LayerGeometry& g) {
  return std::get<EmbeddingGeom>(g);
}

LayerGeometry parse(io::JsonObject& o, size_t index, const std::vector<int64_t>& input) {
  if (index != 0) {
    throw JsonError(o.child("type"),
                    "an embedding layer reads the model's int32 input, so it is the only layer",
                    "embedding_not_first");
  }
  if (input.size() != 2 || input[0] != 1) {
    throw JsonError("/input/shape",
                    "an embedding model takes indices of shape [1, W] (ROW_GATHER_BLOCK_SCALED's "
                    "[N, W] with the table's N = 1), not " +
                        shape_string(input),
                    "embedding_input_shape");
  }
  EmbeddingGeom g;
  g.num_embeddings = o.integer("num_embeddings", 1, layers::kMaxDim);
  g.embedding_dim = o.integer("embedding_dim", 1, layers::kMaxK);
  if (g.embedding_dim % 32 != 0) {
    throw JsonError(o.child("embedding_dim"),
                    std::to_string(g.embedding_dim) +
                        " is not a multiple of 32 (ERROR_IF(C % block_size != 0))",
                    "embedding_dim_not_multiple_of_32");
  }
  return g;
}

void write(const LayerGeometry& g, nlohmann::json& j) {
  j["type"] = "embedding";
  j["num_embeddings"] = geom(g).num_embeddings;
  j["embedding_dim"] = geom(g).embedding_dim;
}

}  // namespace

const LayerOp kEmbeddingOp = {
    .kind = LayerKind::embedding,
    .name = "MX_EMBEDDING",
    .json_type = "embedding",
    .stem = "mx_embedding",
    .in_key = "num_embeddings",
    .tosa_op = OpKind::row_gather_block_scaled,
    .extension = "",
    // ROW_GATHER_BLOCK_SCALED and CAST_FROM_BLOCK_SCALED take every MX payload, MXINT8 included
    // (SPEC tosa.xml, their typesupport lists).
    .payloads = formats::kAllElementTypes,
    .min_rank = 2,
    .max_rank = 2,
    .index_input = true,
    .takes_bias = false,
    // No K axis: the input holds row indices (index_input). The last axis, for callers that ask.
    .k_axis = [](size_t rank) { return rank - 1; },
    .in_width = [](const LayerGeometry& g) { return geom(g).num_embeddings; },
    .out_width = [](const LayerGeometry& g) { return geom(g).embedding_dim; },
    .fan_in = [](const LayerGeometry&) { return int64_t{1}; },
    .output_shape =
        [](const std::vector<int64_t>& input, const LayerGeometry& g) {
          std::optional<std::vector<int64_t>> out = input;
          out->push_back(geom(g).embedding_dim);
          return out;
        },
    .weight_shape =
        [](const LayerGeometry& g) {
          return std::vector<int64_t>{geom(g).num_embeddings, geom(g).embedding_dim};
        },
    .stored_weight_shape =
        [](const LayerGeometry& g) {
          return std::vector<int64_t>{1, geom(g).num_embeddings, geom(g).embedding_dim};
        },
    .weight_dim_names = {"num_embeddings", "embedding_dim"},
    .contraction_offset = nullptr,
    // Not a dot product; a campaign's data set fills the table row by row, column k = col.
    .data_set_k = [](const LayerGeometry&, const std::vector<int64_t>&, int64_t,
                     int64_t col) { return col; },
    .parse = parse,
    .write = write,
    // WxVxD: the indices, the table's rows and their width.
    .case_geometry =
        [](const ModelSpec& m) {
          const EmbeddingGeom& g = geom(m.layers.front().geometry);
          return std::to_string(m.input.shape.back()) + "x" + std::to_string(g.num_embeddings) +
                 "x" + std::to_string(g.embedding_dim);
        },
    // The indices' shape, then the table: 1x8_v100xd64.
    .test_geometry =
        [](const ModelSpec& m) {
          const EmbeddingGeom& g = geom(m.layers.front().geometry);
          return join_dims(m.input.shape, "x") + "_v" + std::to_string(g.num_embeddings) + "xd" +
                 std::to_string(g.embedding_dim);
        },
    .rewrite = [](const LowerOptions&) -> std::unique_ptr<Pass> {
      return std::make_unique<RewriteMxEmbedding>();
    },
    // Half the rows, or one block per row.
    .simpler =
        [](const LayerGeometry& lg) {
          const EmbeddingGeom& g = geom(lg);
          std::vector<LayerGeometry> out;
          if (g.num_embeddings > 1)
            out.push_back(EmbeddingGeom{g.num_embeddings / 2, g.embedding_dim});
          if (g.embedding_dim > 32) out.push_back(EmbeddingGeom{g.num_embeddings, 32});
          return out;
        },
    // In: the rows V; out: the width D, kept a whole number of blocks.
    .with_widths = [](const LayerGeometry&, int64_t in, int64_t out) -> LayerGeometry {
      return EmbeddingGeom{std::max<int64_t>(1, in), std::max<int64_t>(32, out / 32 * 32)};
    },
};

}  // namespace mxconf::pipeline

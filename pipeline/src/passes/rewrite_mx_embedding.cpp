#include "mxconf/pipeline/passes/rewrite_mx_embedding.h"

#include <cstring>

namespace mxconf::pipeline {

void RewriteMxEmbedding::run(Graph& g) const {
  std::vector<Operator> rewritten;
  for (const Operator& op : g.ops) {
    if (op.op != OpKind::mx_layer || kind_of(op.attrs.layer) != LayerKind::embedding) {
      rewritten.push_back(op);
      continue;
    }
    // Copies of names and shapes only: the tensor list grows below.
    const std::string idx = op.inputs[0], table = op.inputs[1], table_scale = op.inputs[2];
    const std::vector<int64_t> idx_shape = g.find(idx)->shape;  // [1, W]
    const Tensor& t = *g.find(table);                           // [1, V, D]
    const DType payload = t.dtype;
    const int64_t d = t.shape[2], w = idx_shape[1];
    const std::string y_name = op.outputs[0];
    const std::string& stem = y_name;

    // row_count: a CONST INT32 [1] holding 1 (one row per index).
    const int32_t one = 1;
    std::vector<uint8_t> bytes(4);
    std::memcpy(bytes.data(), &one, 4);
    const std::string rc =
        g.add_tensor(make_const(g.unique_name(stem + ".row_count"), DType::int32, {1}, bytes));
    rewritten.push_back({OpKind::const_tensor, 67, {}, {rc}, {}});
    // ROW_GATHER_BLOCK_SCALED((table, scales), indices, row_count) -> rows [1, W, D], [1, W, D/32]
    const std::string rq = g.add_tensor({g.unique_name(stem + ".rows"), {1, w, d}, payload, {}});
    const std::string rs =
        g.add_tensor({g.unique_name(stem + ".rows_scale"), {1, w, d / 32}, DType::fp8ue8m0, {}});
    Operator gather{
        OpKind::row_gather_block_scaled, 98, {table, table_scale, idx, rc}, {rq, rs}, {}};
    gather.attrs.block_size = 32;
    rewritten.push_back(gather);
    // CAST_FROM_BLOCK_SCALED -> fp32 [1, W, D], the layer's output as it is.
    Operator cast{OpKind::cast_from_block_scaled, 77, {rq, rs}, {y_name}, {}};
    cast.attrs.block_size = 32;
    rewritten.push_back(cast);
  }
  g.ops = std::move(rewritten);
}

}  // namespace mxconf::pipeline

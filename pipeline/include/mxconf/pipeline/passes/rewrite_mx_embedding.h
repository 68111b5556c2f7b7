// MX_LAYER of an embedding geometry (layers/embedding.cpp) -> ROW_GATHER_BLOCK_SCALED of the
// table's codes [1, V, D] and scales [1, V, D/32] by the int32 indices [1, W] (row_count 1), then
// CAST_FROM_BLOCK_SCALED of the gathered rows to fp32 [1, W, D]. No RESHAPE: the indices are the
// graph input as it is (RESHAPE of i32 is PRO-INT only).
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class RewriteMxEmbedding final : public Pass {
 public:
  std::string_view name() const override { return "RewriteMxEmbedding"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

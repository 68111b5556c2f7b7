// MX_LAYER of a linear geometry -> RESHAPE [1,M,K], CAST_TO_BLOCK_SCALED, MATMUL_T_BLOCK_SCALED (B
// = the weights as they are, D = 1), RESHAPE [..., N], and with a bias RESHAPE [1,..,1,N] + ADD.
// Batched: a rank >= 3 input [..., S, K] is reshaped to [B, S, K] instead (B = the product of
// the leading dims), so the MATMUL has N = B batches over one broadcast weight (D = 1).
// Reshape after cast: CAST_TO_BLOCK_SCALED of the input as it is, then RESHAPE_BLOCK_SCALED of
// its codes and scales to [B, M, K] and [B, M, K/32] (an MX tensor moved between its cast and
// its matmul).
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class RewriteMxfpLinear final : public Pass {
 public:
  explicit RewriteMxfpLinear(bool batched = false, bool reshape_after_cast = false)
      : batched_(batched), reshape_after_cast_(reshape_after_cast) {}
  std::string_view name() const override { return "RewriteMxfpLinear"; }
  void run(Graph& g) const override;

 private:
  bool batched_;
  bool reshape_after_cast_;  // CAST_TO_BLOCK_SCALED of [..., K], then RESHAPE_BLOCK_SCALED
};

}  // namespace mxconf::pipeline

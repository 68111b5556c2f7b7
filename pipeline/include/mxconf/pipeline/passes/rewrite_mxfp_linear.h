// MX_LAYER of a linear geometry -> RESHAPE [1,M,K], CAST_TO_BLOCK_SCALED, MATMUL_T_BLOCK_SCALED (B
// = the weights as they are, D = 1), RESHAPE [..., N], and with a bias RESHAPE [1,..,1,N] + ADD.
// Batched: a rank >= 3 input [..., S, K] is reshaped to [B, S, K] instead (B = the product of
// the leading dims), so the MATMUL has N = B batches over one broadcast weight (D = 1).
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class RewriteMxfpLinear final : public Pass {
 public:
  explicit RewriteMxfpLinear(bool batched = false) : batched_(batched) {}
  std::string_view name() const override { return "RewriteMxfpLinear"; }
  void run(Graph& g) const override;

 private:
  bool batched_;
};

}  // namespace mxconf::pipeline

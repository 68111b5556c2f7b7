// MXFP_LINEAR -> RESHAPE [1,M,K], CAST_TO_BLOCK_SCALED, MATMUL_T_BLOCK_SCALED (B = the weights
// as they are, D = 1), RESHAPE [..., N], and with a bias RESHAPE [1,..,1,N] + ADD.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class RewriteMxfpLinear final : public Pass {
 public:
  std::string_view name() const override { return "RewriteMxfpLinear"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

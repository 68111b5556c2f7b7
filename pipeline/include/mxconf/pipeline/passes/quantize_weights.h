// Offline to_mx: each LINEAR fp32 weight [N,K] becomes a [1,N,K] MX payload constant and a
// [1,N,K/32] E8M0 constant under the layer's weight scale rule; LINEAR becomes MXFP_LINEAR.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class QuantizeWeights final : public Pass {
 public:
  std::string_view name() const override { return "QuantizeWeights"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

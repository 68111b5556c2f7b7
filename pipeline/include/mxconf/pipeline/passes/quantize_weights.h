// Offline to_mx: each LAYER's fp32 weight constant (in its logical shape) becomes an MX payload
// constant and an E8M0 scale constant under the layer's weight scale rule, laid out as the
// operator table says (layer_ops.h: stored_weight_shape, contraction order; [1, N, K] for linear,
// OHWI [OC, KH, KW, IC] for conv2d), blocks along the last axis; LAYER becomes MX_LAYER.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class QuantizeWeights final : public Pass {
 public:
  std::string_view name() const override { return "QuantizeWeights"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

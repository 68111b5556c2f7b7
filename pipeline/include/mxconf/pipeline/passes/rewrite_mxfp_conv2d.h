// MX_LAYER of a conv2d geometry (NCHW activations, OHWI MX weights) -> ExecuTorch's graph shape
// (conv2d-block-scaled.md): TRANSPOSE [0,2,3,1] to NHWC, CAST_TO_BLOCK_SCALED (blocks along C),
// CONV2D_BLOCK_SCALED(input, input_scale, weight, weight_scale, bias, pad, stride, dilation) with
// a zero [OC] bias constant when the layer has none (the op always takes one) and the three
// CONST_SHAPE operands in the spec's order, then TRANSPOSE [0,3,1,2] back to NCHW.
// Back-to-back transposes between layers are left for FoldTransposes.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class RewriteMxfpConv2d final : public Pass {
 public:
  std::string_view name() const override { return "RewriteMxfpConv2d"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

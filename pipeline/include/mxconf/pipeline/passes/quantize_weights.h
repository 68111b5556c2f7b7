// Offline to_mx: each LINEAR fp32 weight [N,K] becomes a [1,N,K] MX payload constant and a
// [1,N,K/32] E8M0 constant under the layer's weight scale rule; LINEAR becomes MXFP_LINEAR.
// Each CONV2D fp32 weight [OC,IC,KH,KW] (torch's OIHW) becomes OHWI [OC,KH,KW,IC] payload and
// [OC,KH,KW,IC/32] E8M0 constants, blocks along IC; CONV2D becomes MXFP_CONV2D.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class QuantizeWeights final : public Pass {
 public:
  std::string_view name() const override { return "QuantizeWeights"; }
  void run(Graph& g) const override;

 private:
  void quantize_conv(Graph& g, Operator& op, std::vector<Operator>& consts) const;
};

}  // namespace mxconf::pipeline

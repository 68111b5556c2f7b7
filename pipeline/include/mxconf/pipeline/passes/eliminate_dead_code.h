// Removes operators whose outputs reach no graph output, then tensors nothing references.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class EliminateDeadCode final : public Pass {
 public:
  std::string_view name() const override { return "EliminateDeadCode"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

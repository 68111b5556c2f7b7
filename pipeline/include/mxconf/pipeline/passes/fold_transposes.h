// TRANSPOSE of a TRANSPOSE becomes one TRANSPOSE of the first's input (perms composed); when the
// composition is the identity the second is dropped and its readers read the first's input. This
// removes the NHWC -> NCHW -> NHWC pairs between consecutive conv layers, and the pair a
// channels_last input makes with the first conv's TRANSPOSE. The first TRANSPOSE is left to
// EliminateDeadCode when nothing else reads it. A graph output keeps its name (an identity
// TRANSPOSE may remain there).
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class FoldTransposes final : public Pass {
 public:
  std::string_view name() const override { return "FoldTransposes"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

// A graph input with a non-contiguous dim order becomes a physical-shape input plus a TRANSPOSE
// to logical order; a graph output with one gets a TRANSPOSE from logical to physical order.
#pragma once

#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

class NormalizeIoLayout final : public Pass {
 public:
  std::string_view name() const override { return "NormalizeIoLayout"; }
  void run(Graph& g) const override;
};

}  // namespace mxconf::pipeline

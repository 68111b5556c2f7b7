// The IR verifier: structure only (the TOSA rules are in tosa_validate.h). Passes never check
// structure themselves; the pass manager runs this between passes.
#pragma once

#include <string>
#include <vector>

#include "mxconf/pipeline/graph.h"

namespace mxconf::pipeline {

enum class IrErrorCode {
  duplicate_tensor,      // two tensors share a name
  undeclared_tensor,     // an op or the block I/O names a tensor that is not declared
  multiple_definitions,  // a tensor is produced twice (or produced and a graph input)
  undefined_tensor,      // a tensor is used but never produced nor a graph input
  cycle,                 // the ops cannot be ordered
  bad_shape,             // a negative dimension or an element count past 2^40
  data_size_mismatch,    // constant bytes disagree with shape and dtype
  const_without_data,    // CONST / CONST_SHAPE produce a tensor without data
  wrong_arity,           // an op has the wrong number of inputs or outputs
};

struct IrError {
  IrErrorCode code;
  std::string message;
};

std::string_view name(IrErrorCode c);

// All structural problems, in a stable order; empty when the graph is well formed.
std::vector<IrError> verify_graph(const Graph& g);

// Indices of g.ops in a topological order; empty optional when there is a cycle.
std::optional<std::vector<size_t>> topological_order(const Graph& g);

}  // namespace mxconf::pipeline

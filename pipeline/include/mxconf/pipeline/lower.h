// From a model description to a lowered TOSA graph: import, then the standard pass pipeline.
#pragma once

#include <string>

#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

// The pre-lowering graph: LINEAR ops with fp32 constant weights, a trailing CAST for bf16 output,
// and the I/O dim orders as annotations. npy weight paths resolve against base_dir.
Graph import_model(const ModelSpec& m, const std::string& base_dir = "");

// QuantizeWeights, NormalizeIoLayout, RewriteMxfpLinear, EliminateDeadCode.
PassManager standard_pipeline();

Graph lower_model(const ModelSpec& m, const std::string& base_dir = "");

}  // namespace mxconf::pipeline

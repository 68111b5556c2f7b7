// An ERROR_IF case as a graph: mxconf's lowering of the case's model with the one rule broken,
// serialized, with zero inputs (the graph is to be rejected before any data matters). The single
// path that export, external runtimes and mxconf's own validation share. Offers make_broken_graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/pipeline/graph.h"

namespace mxconf::runner {

struct GraphInput {
  std::string name;
  std::vector<int64_t> shape;
  pipeline::DType dtype = pipeline::DType::fp32;  // fp32 or bf16 (how the .npy is written)
  std::vector<float> values;                      // physical layout
};

struct BrokenGraph {
  pipeline::Graph graph;  // lowered, then broken (graph-level rules only)
  // The .tosa and its inputs; absent (with `why_no_file`) when the broken graph has no .tosa
  // form: the rule breaks the model or the target, or the writer refuses the graph.
  std::optional<std::vector<uint8_t>> tosa;
  std::vector<GraphInput> inputs;
  std::string why_no_file;
};

// c must be an ERROR_IF case. Model-level rules leave `graph` empty. Throws std::runtime_error
// when the valid base model cannot be lowered.
BrokenGraph make_broken_graph(const generators::Case& c);

}  // namespace mxconf::runner

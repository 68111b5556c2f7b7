// Op by op: a lowered graph split into one-operator graphs, one per block-scaled op whose
// activation a CAST_TO_BLOCK_SCALED makes, so a runtime is judged per operator as TOSA's own
// conformance tests are built (one op per test), and a deviation is told to the layer and
// operator it happens in. Each graph holds the cast (and a RESHAPE_BLOCK_SCALED after it, if the
// lowering moved the MX tensor) and the op with its constant operands; its
// input is the value the cast reads when mxconf's interpreter runs the whole graph on the case's
// input: the reference's exact input (the interpreter is bit-exact with the oracle, which tier
// (a) holds on every run of mxconf's own pipeline). Offers OpSlice and slice_block_scaled_ops.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/runner/broken_graph.h"

namespace mxconf::runner {

struct OpSlice {
  size_t layer = 0;  // the op's place among the graph's block-scaled ops
  pipeline::OpKind op = pipeline::OpKind::unknown;
  pipeline::Graph graph;      // CONSTs, CAST_TO_BLOCK_SCALED, the op; its output is the graph's
  std::vector<uint8_t> tosa;  // the graph serialized
  GraphInput input;           // the cast's input, values as the interpreter computed them
};

// The slices of `g`, given every tensor's value from a run of it (`values`). An op whose
// operands are not a cast's outputs and constants is left out.
std::vector<OpSlice> slice_block_scaled_ops(const pipeline::Graph& g,
                                            const std::map<std::string, pipeline::Value>& values);

}  // namespace mxconf::runner

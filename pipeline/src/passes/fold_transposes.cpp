#include "mxconf/pipeline/passes/fold_transposes.h"

#include <algorithm>
#include <map>

#include "mxconf/pipeline/passes/eliminate_dead_code.h"

namespace mxconf::pipeline {
namespace {

// An identity TRANSPOSE (op i) writing a graph output: when its input is an op's result that
// nothing else reads, that op writes the graph output itself. The output tensor is kept, so its
// name and declared shape stay (an identity leaves the shape as it was).
bool write_output_directly(Graph& g, size_t i) {
  const std::string& from = g.ops[i].inputs[0];
  if (std::find(g.inputs.begin(), g.inputs.end(), from) != g.inputs.end()) return false;
  if (std::find(g.outputs.begin(), g.outputs.end(), from) != g.outputs.end()) return false;
  Operator* producer = nullptr;
  for (size_t j = 0; j < g.ops.size(); ++j) {
    if (j == i) continue;
    for (const std::string& in : g.ops[j].inputs)
      if (in == from) return false;
    for (std::string& out : g.ops[j].outputs)
      if (out == from) producer = &g.ops[j];
  }
  if (producer == nullptr) return false;
  for (std::string& out : producer->outputs)
    if (out == from) out = g.ops[i].outputs[0];
  return true;
}

}  // namespace

void FoldTransposes::run(Graph& g) const {
  // Most graphs (every linear one with contiguous I/O) hold no pair: nothing to do.
  size_t transposes = 0;
  for (const Operator& op : g.ops) transposes += op.op == OpKind::transpose;
  if (transposes < 2) return;
  // Ops are in topological order, so a producer is folded before its readers look at it.
  std::map<std::string, size_t> transpose_of;  // output name -> index of the TRANSPOSE writing it
  std::map<std::string, std::string> renamed;  // dropped identity outputs -> what to read instead
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operator& op = g.ops[i];
    for (std::string& in : op.inputs) {
      if (auto r = renamed.find(in); r != renamed.end()) in = r->second;
    }
    if (op.op != OpKind::transpose) continue;
    if (auto t = transpose_of.find(op.inputs[0]); t != transpose_of.end()) {
      const Operator& first = g.ops[t->second];
      std::vector<int32_t> composed(op.attrs.perms.size());
      for (size_t k = 0; k < composed.size(); ++k)
        composed[k] = first.attrs.perms[size_t(op.attrs.perms[k])];
      op.inputs[0] = first.inputs[0];
      op.attrs.perms = composed;
    }
    bool identity = true;
    for (size_t k = 0; k < op.attrs.perms.size(); ++k) identity &= op.attrs.perms[k] == int32_t(k);
    const bool graph_output =
        std::find(g.outputs.begin(), g.outputs.end(), op.outputs[0]) != g.outputs.end();
    if (identity && !graph_output) {
      renamed[op.outputs[0]] = op.inputs[0];
      op.outputs[0].clear();  // marks the op for removal below
      continue;
    }
    transpose_of[op.outputs[0]] = i;
  }
  auto dropped = [](const Operator& op) {
    return op.op == OpKind::transpose && !op.outputs.empty() && op.outputs[0].empty();
  };
  std::erase_if(g.ops, dropped);
  // The first TRANSPOSE of a folded pair is dead now; without it, an identity TRANSPOSE left on a
  // graph output may be the only reader of its input.
  EliminateDeadCode().run(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operator& op = g.ops[i];
    if (op.op != OpKind::transpose) continue;
    bool identity = true;
    for (size_t k = 0; k < op.attrs.perms.size(); ++k) identity &= op.attrs.perms[k] == int32_t(k);
    if (identity && write_output_directly(g, i)) op.outputs[0].clear();
  }
  std::erase_if(g.ops, dropped);
}

}  // namespace mxconf::pipeline

#include "mxconf/pipeline/passes/eliminate_dead_code.h"

#include <set>

namespace mxconf::pipeline {

void EliminateDeadCode::run(Graph& g) const {
  std::set<std::string> live(g.outputs.begin(), g.outputs.end());
  std::vector<bool> keep(g.ops.size(), false);
  const auto order = topological_order(g);
  if (!order) return;  // the verifier reports the cycle
  for (auto it = order->rbegin(); it != order->rend(); ++it) {
    const Operator& op = g.ops[*it];
    for (const auto& out : op.outputs) keep[*it] = keep[*it] || live.count(out);
    if (keep[*it]) live.insert(op.inputs.begin(), op.inputs.end());
  }
  std::vector<Operator> ops;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (keep[i]) ops.push_back(std::move(g.ops[i]));
  }
  g.ops = std::move(ops);
  std::set<std::string> used(g.inputs.begin(), g.inputs.end());
  used.insert(g.outputs.begin(), g.outputs.end());
  for (const Operator& op : g.ops) {
    used.insert(op.inputs.begin(), op.inputs.end());
    used.insert(op.outputs.begin(), op.outputs.end());
  }
  std::erase_if(g.tensors, [&](const Tensor& t) { return !used.count(t.name); });
}

}  // namespace mxconf::pipeline

#include "mxconf/pipeline/verifier.h"

#include "mxconf/pipeline/tosa_ops.h"
#include "mxconf/vocabulary/named.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace mxconf::pipeline {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

}  // namespace

namespace {
constexpr Named<IrErrorCode> kIrErrorNames[] = {
    {IrErrorCode::duplicate_tensor, "duplicate_tensor"},
    {IrErrorCode::undeclared_tensor, "undeclared_tensor"},
    {IrErrorCode::multiple_definitions, "multiple_definitions"},
    {IrErrorCode::undefined_tensor, "undefined_tensor"},
    {IrErrorCode::cycle, "cycle"},
    {IrErrorCode::bad_shape, "bad_shape"},
    {IrErrorCode::data_size_mismatch, "data_size_mismatch"},
    {IrErrorCode::const_without_data, "const_without_data"},
    {IrErrorCode::wrong_arity, "wrong_arity"},
};
}  // namespace

std::string_view name(IrErrorCode c) {
  return name_in(kIrErrorNames, c);
}

std::optional<std::vector<size_t>> topological_order(const Graph& g) {
  // Views into the graph's own strings: no copies (the verifier runs after every pass).
  std::unordered_map<std::string_view, size_t> producer;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (const auto& o : g.ops[i].outputs) producer.emplace(o, i);
  }
  // Fast path: every lowered or deserialized graph is already in order (each input produced by
  // an earlier op), and then the order below is the identity. Checking that costs no allocation.
  bool in_order = true;
  for (size_t i = 0; i < g.ops.size() && in_order; ++i) {
    for (const auto& in : g.ops[i].inputs) {
      auto it = producer.find(in);
      if (it != producer.end() && it->second >= i) in_order = false;
    }
  }
  if (in_order) {
    std::vector<size_t> identity(g.ops.size());
    for (size_t i = 0; i < identity.size(); ++i) identity[i] = i;
    return identity;
  }
  // Kahn's algorithm, preferring the original index so an ordered graph keeps its order.
  std::vector<size_t> indegree(g.ops.size(), 0);
  std::vector<std::vector<size_t>> users(g.ops.size());
  std::vector<size_t> deps;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    deps.clear();
    for (const auto& in : g.ops[i].inputs) {
      auto it = producer.find(in);
      if (it != producer.end()) deps.push_back(it->second);
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    for (size_t d : deps) {
      users[d].push_back(i);
      ++indegree[i];
    }
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (indegree[i] == 0) ready.insert(i);
  }
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t u : users[i]) {
      if (--indegree[u] == 0) ready.insert(u);
    }
  }
  if (order.size() != g.ops.size()) return std::nullopt;
  return order;
}

std::vector<IrError> verify_graph(const Graph& g) {
  std::vector<IrError> errors;
  auto report = [&](IrErrorCode c, std::string msg) { errors.push_back({c, std::move(msg)}); };
  // Names are views into g and definers are op indices; messages are built only on error.
  constexpr size_t kGraphInputs = SIZE_MAX;
  auto who = [&](size_t i) {
    return i == kGraphInputs
               ? std::string("the graph input list")
               : "op " + std::to_string(i) + " (" + std::string(name(g.ops[i].op)) + ")";
  };

  std::unordered_map<std::string_view, const Tensor*> declared;
  declared.reserve(g.tensors.size());
  for (const Tensor& t : g.tensors) {
    if (!declared.emplace(t.name, &t).second) {
      report(IrErrorCode::duplicate_tensor, "tensor '" + t.name + "' is declared twice");
    }
    int64_t count = 1;
    bool shape_ok = true;
    for (int64_t d : t.shape) {
      if (d < 0 || (d > 0 && count > kMaxElements / d)) shape_ok = false;
      if (shape_ok) count *= d;
    }
    if (!shape_ok) {
      report(IrErrorCode::bad_shape, "tensor '" + t.name + "' has a negative or huge dimension");
      continue;
    }
    if (t.data) {
      const auto want = data_size(t.dtype, uint64_t(count));
      if (!want || *want != t.data->size()) {
        report(IrErrorCode::data_size_mismatch,
               "tensor '" + t.name + "' holds " + std::to_string(t.data->size()) +
                   " bytes, its shape and " + std::string(name(t.dtype)) + " need " +
                   (want ? std::to_string(*want) : std::string("a storable dtype")));
      }
    }
  }

  std::unordered_map<std::string_view, size_t> definer;  // tensor -> op index (or graph inputs)
  definer.reserve(g.tensors.size());
  auto define = [&](const std::string& tensor, size_t by) {
    if (!declared.count(tensor)) {
      report(IrErrorCode::undeclared_tensor, who(by) + " names undeclared tensor '" + tensor + "'");
      return;
    }
    auto [it, fresh] = definer.emplace(tensor, by);
    if (!fresh) {
      report(IrErrorCode::multiple_definitions,
             "tensor '" + tensor + "' is defined by " + who(it->second) + " and by " + who(by));
    }
  };
  for (const auto& in : g.inputs) define(in, kGraphInputs);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    // Operators mxconf does not model keep whatever operands they were given.
    const TosaOpInfo* a = op_info(op.op);
    if (a && ((a->inputs >= 0 && int(op.inputs.size()) != a->inputs) ||
              (a->outputs >= 0 && int(op.outputs.size()) != a->outputs))) {
      report(IrErrorCode::wrong_arity, who(i) + " has " + std::to_string(op.inputs.size()) +
                                           " inputs and " + std::to_string(op.outputs.size()) +
                                           " outputs");
    }
    for (const auto& out : op.outputs) {
      define(out, i);
      if (op.op == OpKind::const_tensor || op.op == OpKind::const_shape) {
        const auto d = declared.find(out);
        if (d != declared.end() && !d->second->data)
          report(IrErrorCode::const_without_data, who(i) + " produces '" + out + "' without data");
      }
    }
  }
  auto use = [&](const std::string& tensor, const std::string& by) {
    if (!declared.count(tensor)) {
      report(IrErrorCode::undeclared_tensor, by + " uses undeclared tensor '" + tensor + "'");
    } else if (!definer.count(tensor)) {
      report(IrErrorCode::undefined_tensor,
             by + " uses tensor '" + tensor + "', which nothing produces");
    }
  };
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (const auto& in : g.ops[i].inputs) {
      if (!declared.count(in) || !definer.count(in)) use(in, who(i));
    }
  }
  for (const auto& out : g.outputs) use(out, "the graph output list");
  if (!topological_order(g)) report(IrErrorCode::cycle, "the operators form a cycle");
  return errors;
}

}  // namespace mxconf::pipeline

#include "mxconf/pipeline/passes/normalize_io_layout.h"

#include "mxconf/faults/faults.h"

#include <algorithm>

namespace mxconf::pipeline {
namespace {

bool is_identity(const std::vector<int64_t>& order) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] != int64_t(i)) return false;
  }
  return true;
}

void rename_uses(Graph& g, const std::string& from, const std::string& to) {
  for (Operator& op : g.ops) {
    for (std::string& in : op.inputs) {
      if (in == from) in = to;
    }
  }
}

}  // namespace

void NormalizeIoLayout::run(Graph& g) const {
  if (MXCONF_FAULT(dim_order_ignored)) {
    g.io_dim_order.clear();
    return;
  }
  for (const auto& [io_name, order] : g.io_dim_order) {
    if (is_identity(order)) continue;
    Tensor* t = g.find(io_name);
    const std::vector<int64_t> logical = t->shape;
    std::vector<int64_t> physical(logical.size());
    for (size_t j = 0; j < order.size(); ++j) physical[j] = logical[size_t(order[j])];
    const bool is_input = std::find(g.inputs.begin(), g.inputs.end(), io_name) != g.inputs.end();
    const std::string logical_name = g.unique_name(io_name + ".logical");
    const DType dtype = t->dtype;
    if (is_input) {
      // physical input --TRANSPOSE--> logical tensor that the rest of the graph reads.
      t->shape = physical;
      rename_uses(g, io_name, logical_name);
      g.add_tensor({logical_name, logical, dtype, std::nullopt});
      // Logical dim i lives at physical position j with order[j] == i.
      std::vector<int32_t> perms(order.size());
      for (size_t j = 0; j < order.size(); ++j) perms[size_t(order[j])] = int32_t(j);
      Operator tr{OpKind::transpose, 61, {io_name}, {logical_name}, {}};
      tr.attrs.perms = perms;
      g.ops.insert(g.ops.begin(), tr);
    } else {
      // The producer now writes the logical tensor; a TRANSPOSE writes the physical output.
      for (Operator& op : g.ops) {
        for (std::string& out : op.outputs) {
          if (out == io_name) out = logical_name;
        }
      }
      rename_uses(g, io_name, logical_name);
      t->shape = physical;
      g.add_tensor({logical_name, logical, dtype, std::nullopt});
      Operator tr{OpKind::transpose, 61, {logical_name}, {io_name}, {}};
      tr.attrs.perms.assign(order.begin(), order.end());
      g.ops.push_back(tr);
    }
  }
  g.io_dim_order.clear();
}

}  // namespace mxconf::pipeline

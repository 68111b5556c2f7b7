#include "mxconf/runner/op_by_op.h"

#include <algorithm>
#include <set>

#include "mxconf/formats/scalar_types.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/serialize.h"

namespace mxconf::runner {
namespace {

const pipeline::Operator* producer(const pipeline::Graph& g, const std::string& tensor) {
  const auto it = std::find_if(g.ops.begin(), g.ops.end(), [&](const pipeline::Operator& o) {
    return std::find(o.outputs.begin(), o.outputs.end(), tensor) != o.outputs.end();
  });
  return it == g.ops.end() ? nullptr : &*it;
}

bool is_constant(const pipeline::Operator* op) {
  return op &&
         (op->op == pipeline::OpKind::const_tensor || op->op == pipeline::OpKind::const_shape);
}

}  // namespace

std::vector<OpSlice> slice_block_scaled_ops(const pipeline::Graph& g,
                                            const std::map<std::string, pipeline::Value>& values) {
  std::vector<OpSlice> out;
  size_t layer = 0;
  for (const pipeline::Operator& op : g.ops) {
    if (!pipeline::is_layer_tosa_op(op.op)) continue;
    const size_t this_layer = layer++;
    if (op.inputs.size() < 2 || op.outputs.size() != 1) continue;
    // The activation's cast, right before the op or with its MX tensor moved by a
    // RESHAPE_BLOCK_SCALED between them (LowerOptions::reshape_after_cast).
    const pipeline::Operator* cast = producer(g, op.inputs[0]);
    const pipeline::Operator* mover = nullptr;
    std::string q = op.inputs[0], sc = op.inputs[1];
    if (cast && cast->op == pipeline::OpKind::reshape_block_scaled && cast->inputs.size() == 3 &&
        cast->outputs == std::vector<std::string>{op.inputs[0], op.inputs[1]}) {
      mover = cast;
      q = mover->inputs[0];
      sc = mover->inputs[1];
      cast = producer(g, q);
    }
    if (!cast || cast->op != pipeline::OpKind::cast_to_block_scaled || cast->outputs.size() != 2 ||
        cast->outputs[0] != q || cast->outputs[1] != sc)
      continue;
    std::vector<const pipeline::Operator*> constants;
    bool all_constant = true;
    if (mover) {
      const pipeline::Operator* p = producer(g, mover->inputs[2]);
      all_constant &= is_constant(p);
      if (p) constants.push_back(p);
    }
    for (size_t i = 2; i < op.inputs.size(); ++i) {
      const pipeline::Operator* p = producer(g, op.inputs[i]);
      all_constant &= is_constant(p);
      if (p && std::find(constants.begin(), constants.end(), p) == constants.end())
        constants.push_back(p);
    }
    const auto value = values.find(cast->inputs[0]);
    if (!all_constant || value == values.end()) continue;
    OpSlice s;
    s.layer = this_layer;
    s.op = op.op;
    std::set<std::string> names = {cast->inputs[0], cast->outputs[0], cast->outputs[1],
                                   op.outputs[0]};
    for (const pipeline::Operator* c : constants) {
      s.graph.ops.push_back(*c);
      names.insert(c->outputs[0]);
    }
    s.graph.ops.push_back(*cast);
    if (mover) {
      s.graph.ops.push_back(*mover);
      names.insert({op.inputs[0], op.inputs[1]});
    }
    s.graph.ops.push_back(op);
    for (const std::string& n : names) s.graph.add_tensor(*g.find(n));
    s.graph.inputs = {cast->inputs[0]};
    s.graph.outputs = {op.outputs[0]};
    const pipeline::Value& v = value->second;
    s.input = {cast->inputs[0],
               v.shape,
               v.dtype == pipeline::DType::bf16 ? pipeline::DType::bf16 : pipeline::DType::fp32,
               {}};
    if (v.dtype == pipeline::DType::bf16) {
      for (uint16_t b : v.bf16.span()) s.input.values.push_back(formats::bf16_to_float(b));
    } else {
      s.input.values = v.f32.to_vector();
    }
    s.tosa = pipeline::serialize_graph(s.graph);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mxconf::runner

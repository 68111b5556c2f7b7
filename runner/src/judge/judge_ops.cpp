// The judge's table of layer operators (judge_ops.h).
#include "mxconf/runner/judge_ops.h"

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/packing.h"

#include <iterator>
#include <stdexcept>
#include <variant>

namespace mxconf::runner {

extern const JudgeOp kJudgeLinear;
extern const JudgeOp kJudgeConv2d;
extern const JudgeOp kJudgeEmbedding;

namespace {

// Indexed by LayerKind (= the geometry variant's index).
const JudgeOp* const kRows[] = {&kJudgeLinear, &kJudgeConv2d, &kJudgeEmbedding};
static_assert(std::size(kRows) == std::variant_size_v<pipeline::LayerGeometry>);

}  // namespace

const JudgeOp& judge_op(pipeline::LayerKind k) {
  return *kRows[size_t(k)];
}

const JudgeOp* judge_op_for(pipeline::OpKind op) {
  for (const JudgeOp* row : kRows)
    if (row->tosa_op == op) return row;
  return nullptr;
}

const pipeline::Operator& alone_op(const pipeline::Graph& g) {
  if (g.ops.empty()) throw std::invalid_argument("an empty one-op graph");
  return g.ops.back();
}

const oracles::FormatSpec& payload_format(const pipeline::Tensor& t) {
  const auto e = pipeline::element_type(t.dtype);
  if (!e) throw std::invalid_argument("'" + t.name + "' is not an MX payload");
  return generators::oracle_format(*e);
}

std::vector<uint8_t> constant_bytes(const pipeline::Graph& g, const std::string& name) {
  const pipeline::Tensor* t = g.find(name);
  if (!t || !t->data) throw std::invalid_argument("'" + name + "' is not a constant");
  return *t->data;
}

std::vector<uint8_t> constant_codes(const pipeline::Graph& g, const std::string& name) {
  const pipeline::Tensor* t = g.find(name);
  if (!t || !t->data) throw std::invalid_argument("'" + name + "' is not a constant");
  const auto codes =
      oracles::unpack_codes(payload_format(*t), *t->data, size_t(t->element_count()));
  if (!codes) throw std::invalid_argument("'" + name + "' holds the wrong number of bytes");
  return *codes;
}

int64_t ksb(const pipeline::LayerSpec& l) {
  return judge_op(l.kind()).ks(l.geometry) + 1;
}

oracles::DotProductBounds layer_bounds(const pipeline::LayerSpec& l) {
  return oracles::mx_dot_product_bounds(ksb(l));
}

std::vector<oracles::Interval> first_layer_intervals(const pipeline::LayerSpec& l,
                                                     const LayerExpectation& e) {
  if (!judge_op(l.kind()).dot_product) return e.allowed;
  const oracles::DotProductBounds b = layer_bounds(l);
  std::vector<oracles::Interval> out(e.exact.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = oracles::dot_product_interval(e.exact[i], e.bound[i], b,
                                           e.add_after.empty() ? 0.0f : e.add_after[i]);
  return out;
}

}  // namespace mxconf::runner

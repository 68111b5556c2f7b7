// The judge's table of layer operators (judge_ops.h).
#include "mxconf/runner/judge_ops.h"

#include <iterator>
#include <variant>

namespace mxconf::runner {

extern const JudgeOp kJudgeLinear;
extern const JudgeOp kJudgeConv2d;

namespace {

// Indexed by LayerKind (= the geometry variant's index).
const JudgeOp* const kRows[] = {&kJudgeLinear, &kJudgeConv2d};
static_assert(std::size(kRows) == std::variant_size_v<pipeline::LayerGeometry>);

}  // namespace

const JudgeOp& judge_op(pipeline::LayerKind k) {
  return *kRows[size_t(k)];
}

int64_t ksb(const pipeline::LayerSpec& l) {
  return judge_op(l.kind()).ks(l.geometry) + 1;
}

oracles::DotProductBounds layer_bounds(const pipeline::LayerSpec& l) {
  return oracles::mx_dot_product_bounds(ksb(l));
}

std::vector<oracles::Interval> first_layer_intervals(const pipeline::LayerSpec& l,
                                                     const LayerExpectation& e) {
  const oracles::DotProductBounds b = layer_bounds(l);
  std::vector<oracles::Interval> out(e.exact.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = oracles::dot_product_interval(e.exact[i], e.bound[i], b,
                                           e.add_after.empty() ? 0.0f : e.add_after[i]);
  return out;
}

}  // namespace mxconf::runner

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

}  // namespace mxconf::runner

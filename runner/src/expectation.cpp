#include "mxconf/runner/expectation.h"

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/model_values.h"

namespace mxconf::runner {

OracleExpectation oracle_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                     bool bit_exact_only) {
  const pipeline::ModelSpec& m = p.model;
  OracleExpectation e;
  e.cast_rule = cast_rule;
  const oracles::ScalePolicy act_rule = generators::oracle_policy(cast_rule);
  std::vector<int64_t> shape = m.input.shape;
  std::vector<float> x = p.input;
  std::vector<double> fx(p.input.begin(), p.input.end());
  for (const pipeline::LayerSpec& l : m.layers) {
    const JudgeOp& op = judge_op(l.kind());
    const std::vector<float> w = expected_weights(l, "");
    const std::vector<float> b = expected_bias(l, "");
    const LayerCall call{generators::oracle_format(l.payload),
                         act_rule,
                         generators::oracle_policy(l.weight_scale_rule),
                         l.geometry,
                         shape,
                         x,
                         w,
                         b,
                         bit_exact_only};
    LayerExpectation layer = op.reference(call);
    if (!bit_exact_only) {
      fx = op.fp32(shape, l.geometry, fx, w, b);
      e.allowed =
          e.layers.empty() ? first_layer_intervals(l, layer) : op.propagate(call, layer, e.allowed);
    }
    x = layer.pseudocode;
    shape = layer.out_shape;
    e.layers.push_back(std::move(layer));
  }
  if (m.output.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
    for (oracles::Interval& i : e.allowed) i = oracles::to_bf16(i);
  }
  e.pseudocode = std::move(x);
  if (!bit_exact_only) e.fp32_model.assign(fx.begin(), fx.end());
  return e;
}

}  // namespace mxconf::runner

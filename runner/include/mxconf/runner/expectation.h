// What the oracle expects of a valid case, computed only with oracle code (oracles/) from the
// case's fp32 data, the judge's own reading of its weights (model_values.h) and its own operator
// table (judge_ops.h): per layer the activation cast, the weight constants, the pseudocode-order
// fp32 result and the exact values with their DOT_PRODUCT bounds; for the model, the output
// (the bit-exact target) and the unquantized fp32 model. Offers OracleExpectation and
// oracle_expectation.
#pragma once

#include <cstdint>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/judge_ops.h"

namespace mxconf::runner {

struct OracleExpectation {
  // The rule the activations were cast with: ops judged alone (op by op) cast their input under
  // it too, so another rule's expectation diagnoses them as it does the whole graph.
  formats::ScaleRule cast_rule = formats::ScaleRule::tosa;
  std::vector<LayerExpectation> layers;  // in model order
  std::vector<float> pseudocode;         // the model's output: bit-exact target, logical layout
  std::vector<float> fp32_model;         // the unquantized fp32 model (fidelity reference)
  // What a system whose every operator meets its TOSA criterion may output, per output element
  // (logical layout, in the output's dtype): the first layer's DOT_PRODUCT intervals propagated
  // through every later layer, then the output's CAST to bf16 (oracles/intervals.h). Empty when
  // only tier (a) is judged.
  std::vector<oracles::Interval> allowed;

  // The last layer's exact values (+bias) and DOT_PRODUCT bounds, logical layout.
  const std::vector<double>& exact_last() const { return layers.back().exact; }
  const std::vector<double>& bound_last() const { return layers.back().bound; }
};

// bit_exact_only: only what tier (a) needs (casts, weight constants, pseudocode).
OracleExpectation oracle_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                     bool bit_exact_only = false);

}  // namespace mxconf::runner

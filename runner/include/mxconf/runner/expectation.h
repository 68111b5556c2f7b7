// What the oracle expects of a valid case, computed only with oracle code (oracles/) from the
// case's fp32 data and the judge's own reading of its weights (model_values.h): per layer the
// activation cast and the weight constants, the pseudocode-order fp32 output (the bit-exact
// target), the exact last layer with its DOT_PRODUCT bound, and the unquantized fp32 model.
// Offers OracleExpectation and oracle_expectation.
#pragma once

#include <cstdint>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/runner/case_data.h"

namespace mxconf::runner {

struct OracleExpectation {
  // Per layer: the activation cast (under the case's cast rule) and the layer's input.
  std::vector<std::vector<uint8_t>> x_codes, x_scales;
  std::vector<std::vector<float>> layer_inputs;
  // Per layer: the weight constants [N, K] codes and [N, K/32] scales (the layer's weight rule).
  std::vector<std::vector<uint8_t>> w_codes, w_scales;
  std::vector<float> pseudocode;   // bit-exact target, logical layout
  std::vector<double> exact_last;  // the last layer's exact values (+bias)
  std::vector<double> bound_last;  // the last layer's DOT_PRODUCT bound
  std::vector<float> fp32_model;   // the unquantized fp32 model (fidelity reference)
};

// bit_exact_only: only what tier (a) needs (casts, weight constants, pseudocode).
OracleExpectation oracle_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                     bool bit_exact_only = false);

}  // namespace mxconf::runner

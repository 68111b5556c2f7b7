#include "mxconf/runner/expectation.h"

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/runner/model_values.h"

namespace mxconf::runner {

OracleExpectation oracle_expectation(const PreparedCase& p, formats::ScaleRule cast_rule,
                                     bool bit_exact_only) {
  const pipeline::ModelSpec& m = p.model;
  OracleExpectation e;
  const int64_t k0 = m.input.shape.back();
  const int64_t rows = int64_t(p.input.size()) / k0;
  std::vector<float> x = p.input;
  std::vector<double> fx(p.input.begin(), p.input.end());
  const oracles::ScalePolicy act_rule = generators::oracle_policy(cast_rule);
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const pipeline::LayerSpec& l = m.layers[i];
    const std::vector<float> w = expected_weights(l, "");
    const std::vector<float> b = expected_bias(l, "");
    oracles::MxLinearReference ref =
        oracles::mx_linear_reference(generators::oracle_format(l.payload), act_rule,
                                     generators::oracle_policy(l.weight_scale_rule), rows,
                                     l.in_features, l.out_features, x, w, b, bit_exact_only);
    e.layer_inputs.push_back(x);
    e.x_codes.push_back(std::move(ref.x_codes));
    e.x_scales.push_back(std::move(ref.x_scales));
    e.w_codes.push_back(std::move(ref.w_codes));
    e.w_scales.push_back(std::move(ref.w_scales));
    x = std::move(ref.pseudocode);
    if (bit_exact_only) continue;
    // The fp32 model in double, rounded to fp32 per layer.
    std::vector<double> fy(size_t(rows * l.out_features));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < l.out_features; ++j) {
        // A reference for fidelity only: the summation order is free, so let it vectorize.
        const double* xr = &fx[size_t(r * l.in_features)];
        const float* wr = &w[size_t(j * l.in_features)];
        double acc = 0.0;
#pragma omp simd reduction(+ : acc)
        for (int64_t k = 0; k < l.in_features; ++k) acc += xr[k] * double(wr[k]);
        if (!b.empty()) acc += b[size_t(j)];
        fy[size_t(r * l.out_features + j)] = double(float(acc));
      }
    }
    fx = std::move(fy);
    if (i + 1 == m.layers.size()) {
      e.exact_last = std::move(ref.exact);
      e.bound_last = std::move(ref.bound);
    }
  }
  if (m.output.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
  }
  e.pseudocode = std::move(x);
  if (!bit_exact_only) e.fp32_model.assign(fx.begin(), fx.end());
  return e;
}

}  // namespace mxconf::runner

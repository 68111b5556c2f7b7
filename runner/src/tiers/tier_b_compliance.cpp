// Tier (b), TOSA compliance (conformance-practice.md §3-4): DOT_PRODUCT with the MX relaxation on
// the last layer's fp32 result (the tensor-wide statistics only with >= 1000 dot products), and
// tosa_reference_check_scale on every element of every observed activation cast.
#include <cmath>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/compliance.h"
#include "mxconf/runner/symptom.h"
#include "tier_functions.h"

namespace mxconf::runner {
namespace {

constexpr size_t kMinDotProducts = 1000;  // MIN_DOT_PRODUCTS: below it the statistics are noise

}  // namespace

// The DOT_PRODUCT length (the judge's table: K for linear, KH * KW * IC for CONV2D_BLOCK_SCALED);
// one more with a bias (a conv without one adds the op's zero bias, which is exact and not
// counted).
int64_t ksb(const pipeline::LayerSpec& l) {
  return judge_op(l.kind()).ks(l.geometry) + (l.bias ? 1 : 0);
}

std::string ComplianceResult::symptom() const {
  if (cast_failures > 0) return "tier b: activation cast outside the cast check";
  if (nonfinite_failures > 0) return "tier b: DOT_PRODUCT result not finite where the reference is";
  if (element_failures > 0) return "tier b: DOT_PRODUCT element beyond ABS_BOUND";
  return "tier b: DOT_PRODUCT " + generalize(dot_product_reason);
}

nlohmann::json compliance_record(const ComplianceResult& b) {
  nlohmann::json dp = {{"outputs", b.outputs},
                       {"element_failures", b.element_failures},
                       {"nonfinite_failures", b.nonfinite_failures},
                       {"max_err_over_bound", b.max_err_over_bound},
                       {"statistical", b.statistical}};
  if (b.variance_ratio) dp["variance_ratio"] = *b.variance_ratio;
  if (b.bias_ratio) dp["bias_ratio"] = *b.bias_ratio;
  if (!b.dot_product_reason.empty()) dp["reason"] = b.dot_product_reason;
  if (b.bf16_units) dp["output_units"] = "bf16";
  nlohmann::json j = {
      {"pass", b.pass(Level::compliant)}, {"dot_product", dp}, {"cast_failures", b.cast_failures}};
  if (!b.cast_reason.empty()) j["cast_reason"] = b.cast_reason;
  if (!b.casts_observed) j["cast_check"] = "not observable";
  return j;
}

ComplianceResult judge_compliance(const Observation& seen, const Expected& want) {
  ComplianceResult b;
  const pipeline::ModelSpec& model = want.data.model;
  const auto& last = model.layers.back();
  // Without the fp32 result before a BF16 output's CAST, DOT_PRODUCT judges the BF16 output in
  // BF16 units (the output type's normal_frac).
  b.bf16_units = !seen.output_fp32_observed && model.output.dtype == pipeline::DType::bf16;
  const oracles::DotProductBounds bounds =
      oracles::mx_dot_product_bounds(ksb(last), b.bf16_units ? 7 : 23);
  const oracles::DotProductReport dp = oracles::check_dot_product(
      seen.output_fp32, want.oracle.exact_last(), want.oracle.bound_last(), bounds,
      generators::wants_bias_check(want.c.data.campaign));
  b.outputs = dp.outputs;
  b.element_failures = dp.element_failures;
  // Of those, the outputs that are Inf or NaN where every result the bound allows is finite:
  // |imp| <= |ref| + ABS_BOUND * bnd * unit <= bnd * (1 + ABS_BOUND * unit) < max_value. A
  // runtime that overflows where the spec's order does not shows up as its own symptom.
  const auto& exact = want.oracle.exact_last();
  const auto& bound = want.oracle.bound_last();
  for (size_t i = 0; i < seen.output_fp32.size() && i < exact.size(); ++i) {
    const double reach = bound[i] * (1 + bounds.abs_bound * bounds.unit);
    b.nonfinite_failures +=
        !std::isfinite(seen.output_fp32[i]) && std::isfinite(exact[i]) && reach < bounds.max_value;
  }
  b.max_err_over_bound = dp.max_abs_err / bounds.abs_bound;
  b.statistical = seen.output_fp32.size() >= kMinDotProducts;
  if (b.statistical) {
    b.variance_ratio = dp.variance_limit > 0 ? dp.sum_err_sq / dp.variance_limit : 0.0;
    if (dp.bias_limit > 0) b.bias_ratio = std::fabs(dp.sum_err) / dp.bias_limit;
  }
  b.dot_product_pass = dp.element_failures == 0 && (!b.statistical || dp.pass);
  b.dot_product_reason = dp.reason;

  b.casts_observed = seen.casts_observed;
  // Cast l is layer l's: its activations are cast to that layer's payload (layers may differ).
  for (size_t l = 0; l < seen.casts.size() && l < model.layers.size(); ++l) {
    const oracles::FormatSpec& fmt = generators::oracle_format(model.layers[l].payload);
    const CastObservation& obs = seen.casts[l];
    for (size_t blk = 0; blk < obs.scales.size(); ++blk) {
      const float* in = &obs.input[blk * 32];
      const uint8_t ref_scale = oracle_block_scale(fmt, oracles::ScalePolicy::tosa, in);
      std::string reason;
      const int failed = oracles::check_cast_block(
          fmt, std::span<const float, 32>(in, 32), obs.scales[blk],
          std::span<const uint8_t, 32>(&obs.codes[blk * 32], 32), ref_scale, &reason);
      if (failed > 0 && b.cast_failures == 0)
        b.cast_reason =
            "layer " + std::to_string(l) + " block " + std::to_string(blk) + ": " + reason;
      b.cast_failures += size_t(failed);
    }
  }
  return b;
}

}  // namespace mxconf::runner

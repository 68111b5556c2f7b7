// Tier (b), TOSA compliance (conformance-practice.md §3-4): DOT_PRODUCT with the MX relaxation on
// the last layer's fp32 result (the tensor-wide statistics only with >= 1000 dot products), and
// tosa_reference_check_scale on every element of every observed activation cast.
#include <algorithm>
#include <bit>
#include <cmath>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/compliance.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/pipeline/tosa_ops.h"
#include "mxconf/runner/judge_ops.h"
#include "mxconf/runner/symptom.h"
#include "tier_functions.h"

namespace mxconf::runner {
namespace {

constexpr size_t kMinDotProducts = 1000;  // MIN_DOT_PRODUCTS: below it the statistics are noise

}  // namespace

const ComplianceResult::OpVerdict* ComplianceResult::first_failing_op() const {
  for (const OpVerdict& v : op_by_op)
    if (!v.pass) return &v;
  return nullptr;
}

// The same order as symptom(): the message explains the symptom it stands next to.
std::string ComplianceResult::reason() const {
  if (cast_failures) return cast_reason;
  if (bf16_cast_failures > 0)
    return std::to_string(bf16_cast_failures) +
           " bf16 outputs are not the RNE cast of their fp32 results";
  if (const OpVerdict* v = first_failing_op()) {
    return "op by op, layer " + std::to_string(v->layer) + "'s " +
           std::string(pipeline::op_info(v->op)->name) + ": " + v->reason;
  }
  return dot_product_reason;
}

std::string ComplianceResult::symptom() const {
  if (cast_failures > 0) return "tier b: activation cast outside the cast check";
  if (bf16_cast_failures > 0) return "tier b: bf16 output is not the RNE cast of its fp32 result";
  // The operator that deviates alone says more than the graph output it spoils.
  if (const OpVerdict* v = first_failing_op()) {
    std::string s = "tier b: op by op, ";
    s += pipeline::op_info(v->op)->name;
    s += v->nonfinite_failures ? " result not finite where the reference is"
         : v->element_failures ? " element beyond ABS_BOUND"
                               : " " + generalize(v->reason);
    return s;
  }
  if (criterion == Criterion::from_block) {
    if (nonfinite_failures > 0)
      return "tier b: CAST_FROM_BLOCK_SCALED result not finite where the bound is";
    return "tier b: CAST_FROM_BLOCK_SCALED result outside tosa_reference_check_from_block";
  }
  if (criterion == Criterion::graph_interval) {
    if (nonfinite_failures > 0) return "tier b: graph output not finite where every allowed one is";
    return "tier b: graph output outside what compliant operators allow";
  }
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
  static constexpr const char* kCriteria[] = {"dot_product", "graph_interval", "from_block"};
  dp["criterion"] = kCriteria[size_t(b.criterion)];
  nlohmann::json j = {
      {"pass", b.pass(Level::compliant)}, {"dot_product", dp}, {"cast_failures", b.cast_failures}};
  if (b.bf16_cast_failures) j["bf16_cast_failures"] = b.bf16_cast_failures;
  if (!b.cast_reason.empty()) j["cast_reason"] = b.cast_reason;
  if (!b.casts_observed) j["cast_check"] = "not observable";
  if (!b.op_by_op_note.empty()) j["op_by_op_note"] = b.op_by_op_note;
  for (const ComplianceResult::OpVerdict& v : b.op_by_op) {
    nlohmann::json o = {{"layer", v.layer},
                        {"op", pipeline::op_info(v.op)->name},
                        {"judged", v.judged},
                        {"pass", v.pass}};
    if (v.judged) {
      o["outputs"] = v.outputs;
      o["element_failures"] = v.element_failures;
      o["nonfinite_failures"] = v.nonfinite_failures;
      o["max_err_over_bound"] = v.max_err_over_bound;
      o["statistical"] = v.statistical;
    }
    if (!v.reason.empty()) o["reason"] = v.reason;
    j["op_by_op"].push_back(std::move(o));
  }
  return j;
}

namespace {

// One layer with its fp32 result in view: DOT_PRODUCT, as TOSA's conformance tests run it.
void judge_dot_product(const Observation& seen, const Expected& want, ComplianceResult& b) {
  const pipeline::LayerSpec& layer = want.data.model.layers.front();
  const LayerExpectation& e = want.oracle.layers.front();
  const oracles::DotProductBounds bounds = layer_bounds(layer);
  const oracles::DotProductReport dp =
      oracles::check_dot_product(seen.output_fp32, e.exact, e.bound, bounds,
                                 generators::wants_bias_check(want.c.data.campaign), e.add_after);
  b.outputs = dp.outputs;
  b.element_failures = dp.element_failures;
  // Of those, the outputs that are Inf or NaN where every result the bound allows is finite: a
  // runtime that overflows where the spec's order does not shows up as its own symptom.
  for (size_t i = 0; i < seen.output_fp32.size() && i < e.exact.size(); ++i) {
    const oracles::Interval allowed = oracles::dot_product_interval(
        e.exact[i], e.bound[i], bounds, e.add_after.empty() ? 0.0f : e.add_after[i]);
    b.nonfinite_failures += !std::isfinite(seen.output_fp32[i]) && !allowed.any && !allowed.nan &&
                            std::isfinite(allowed.lo) && std::isfinite(allowed.hi);
  }
  b.max_err_over_bound = dp.max_abs_err / bounds.abs_bound;
  b.statistical = seen.output_fp32.size() >= kMinDotProducts;
  if (b.statistical) {
    b.variance_ratio = dp.variance_limit > 0 ? dp.sum_err_sq / dp.variance_limit : 0.0;
    if (dp.bias_limit > 0) b.bias_ratio = std::fabs(dp.sum_err) / dp.bias_limit;
  }
  b.dot_product_pass = dp.element_failures == 0 && (!b.statistical || dp.pass);
  b.dot_product_reason = dp.reason;
}

// Several layers, or a bf16 output whose fp32 result is hidden: each output element within what
// compliant operators allow (the expectation's propagated intervals, in the output's dtype).
void judge_intervals(const Observation& seen, const Expected& want, ComplianceResult& b) {
  // One layer that is not a dot product (an embedding): its intervals are its own operator's
  // criterion, not a propagation through layers.
  const pipeline::ModelSpec& m = want.data.model;
  b.criterion = m.layers.size() == 1 && !judge_op(m.layers[0].kind()).dot_product
                    ? ComplianceResult::Criterion::from_block
                    : ComplianceResult::Criterion::graph_interval;
  const auto& allowed = want.oracle.allowed;
  b.outputs = seen.output.size();
  for (size_t i = 0; i < seen.output.size() && i < allowed.size(); ++i) {
    const oracles::Interval& a = allowed[i];
    const double y = seen.output[i];
    if (!a.any && !a.nan && a.hi > a.lo && std::isfinite(y)) {
      const double mid = a.lo / 2 + a.hi / 2, half = a.hi / 2 - a.lo / 2;
      b.max_err_over_bound = std::max(b.max_err_over_bound, std::fabs(y - mid) / half);
    }
    if (a.contains(y)) continue;
    ++b.element_failures;
    b.nonfinite_failures +=
        !std::isfinite(y) && !a.nan && std::isfinite(a.lo) && std::isfinite(a.hi);
    if (b.dot_product_reason.empty()) {
      b.dot_product_reason =
          "output " + std::to_string(i) + ": " + std::to_string(y) +
          (a.nan ? " where only NaN is allowed"
                 : " outside [" + std::to_string(a.lo) + ", " + std::to_string(a.hi) + "]");
    }
  }
  if (seen.output.size() != allowed.size()) b.dot_product_reason = "the output's size differs";
  b.dot_product_pass = b.element_failures == 0 && seen.output.size() == allowed.size();
}

// One op run alone (op_by_op.h): DOT_PRODUCT against the reference of the one-op graph the
// runtime ran (its weights as that graph holds them, its input cast under the expectation's rule),
// the op's own KS + 1 and, for an op with a bias operand, that bias in the reference.
ComplianceResult::OpVerdict judge_alone(const OpRun& run, const Expected& want) {
  ComplianceResult::OpVerdict v;
  v.layer = run.layer;
  v.op = run.op;
  if (!run.failure.empty()) {
    v.reason = "not run: " + run.failure;
    return v;
  }
  const JudgeOp* row = judge_op_for(run.op);
  if (!row) {
    v.reason = "no judge row for the op";
    return v;
  }
  int64_t ks = 0;
  oracles::DotReference ref;
  try {
    ref = row->alone(generators::oracle_policy(want.oracle.cast_rule), run.graph, run.input, ks);
  } catch (const std::invalid_argument& e) {
    v.reason = std::string("not judged: ") + e.what();
    return v;
  }
  v.judged = true;
  const oracles::DotProductBounds bounds = oracles::mx_dot_product_bounds(ks + 1);
  if (run.output.size() != ref.exact.size()) {
    v.pass = false;
    v.reason = "the op's output has " + std::to_string(run.output.size()) + " values, not " +
               std::to_string(ref.exact.size());
    return v;
  }
  const oracles::DotProductReport dp = oracles::check_dot_product(
      run.output, ref.exact, ref.bound, bounds, generators::wants_bias_check(want.c.data.campaign));
  v.outputs = dp.outputs;
  v.element_failures = dp.element_failures;
  for (size_t i = 0; i < run.output.size(); ++i) {
    const oracles::Interval allowed =
        oracles::dot_product_interval(ref.exact[i], ref.bound[i], bounds, 0.0f);
    v.nonfinite_failures += !std::isfinite(run.output[i]) && !allowed.any && !allowed.nan &&
                            std::isfinite(allowed.lo) && std::isfinite(allowed.hi);
  }
  v.max_err_over_bound = dp.max_abs_err / bounds.abs_bound;
  v.statistical = run.output.size() >= kMinDotProducts;
  v.pass = dp.element_failures == 0 && (!v.statistical || dp.pass);
  if (!v.pass) v.reason = dp.reason;
  return v;
}

}  // namespace

ComplianceResult judge_compliance(const Observation& seen, const Expected& want) {
  ComplianceResult b;
  const pipeline::ModelSpec& model = want.data.model;
  const bool bf16 = model.output.dtype == pipeline::DType::bf16;
  if (model.layers.size() == 1 && judge_op(model.layers[0].kind()).dot_product &&
      (!bf16 || seen.output_fp32_observed)) {
    judge_dot_product(seen, want, b);
  } else {
    judge_intervals(seen, want, b);
  }
  b.op_by_op_note = seen.op_by_op_note;
  for (const OpRun& run : seen.op_runs) b.op_by_op.push_back(judge_alone(run, want));
  // A visible fp32 result and its bf16 output: TOSA's CAST rounds to nearest even, exactly.
  if (bf16 && seen.output_fp32_observed) {
    for (size_t i = 0; i < seen.output.size() && i < seen.output_fp32.size(); ++i) {
      const float want_bits = oracles::round_to_bf16(seen.output_fp32[i]);
      const bool same =
          (std::isnan(want_bits) && std::isnan(seen.output[i])) ||
          std::bit_cast<uint32_t>(want_bits) == std::bit_cast<uint32_t>(seen.output[i]);
      b.bf16_cast_failures += !same;
    }
  }

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

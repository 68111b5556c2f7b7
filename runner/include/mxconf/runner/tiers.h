// The oracle's tiers as functions: each takes what was observed and what the oracle expects and
// returns a typed result that says itself whether it passes at a required level, why not, and
// its symptom (the words reports group failures by); one writer per tier turns it into the record
// a result line carries under "tiers" (docs/case-format.md documents each shape, reports/ reads
// them). judge_tiers is the small dispatcher. Offers the tier results, judge_tier / judge_tiers
// and fidelity_threshold; the per-tier code lives in src/tiers/, one file each.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/observation.h"
#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::runner {

// Everything a tier may consult besides the observation.
struct Expected {
  const generators::Case& c;
  const PreparedCase& data;
  const OracleExpectation& oracle;
  bool keep_details = false;  // replay: the first differing elements
};

// (s) the graph: whatever graph the lowering produced keeps TOSA's rules for the case's target
// (validation), and how its structure differs from mxconf's own lowering of the model (recorded,
// never judged: another lowering may legitimately build another graph).
struct GraphResult {
  bool observed = true;  // the system exposed its graph
  struct Issue {
    std::string code, message;
  };
  std::vector<Issue> issues;  // TOSA validation of the graph
  bool structure_compared = false;
  std::vector<std::string> structure_differences;
  bool pass(Level) const { return issues.empty(); }
  std::string reason() const;
  std::string symptom() const;
};

struct ElementDiff {
  int64_t index = 0;
  float expected = 0, actual = 0;
};

// (a) bit-exact: outputs, activation casts and weight constants against the oracle's.
struct BitExactResult {
  std::string shape_error;  // the output had the wrong shape: nothing else was compared
  size_t output_mismatches = 0;
  size_t outputs = 0;
  // The largest distance among differing outputs, in ulps of the output type (bf16 outputs in
  // bf16 ulps); a NaN against a number counts as "nan_mismatch" instead.
  uint64_t max_ulp = 0;
  bool nan_mismatch = false;
  std::optional<ElementDiff> first;
  std::vector<ElementDiff> differences;  // keep_details only
  bool casts_observed = true;
  size_t cast_block_mismatches = 0;
  bool cast_scale_mismatch = false;  // some differing cast block has a different scale
  std::string first_cast;
  bool casts_complete = true;  // one cast observed per layer
  bool constants_observed = true;
  size_t constant_block_mismatches = 0;
  bool constant_scale_mismatch = false;
  std::string first_constant;
  bool outputs_equal() const { return shape_error.empty() && output_mismatches == 0; }
  // What must match exactly for every system: shapes, cast scales and codes, weight constants.
  bool exact_parts_equal() const {
    return shape_error.empty() && cast_block_mismatches == 0 && casts_complete &&
           constant_block_mismatches == 0;
  }
  // The outputs bind only when bit-exactness is required; the exact parts always.
  bool pass(Level require) const {
    return exact_parts_equal() && (outputs_equal() || require != Level::bit_exact);
  }
  std::string reason() const;
  std::string symptom() const;
};

// (b) TOSA compliance (docs/formats.md, "Compliance"). One layer whose fp32 result is visible:
// DOT_PRODUCT with the MX relaxation on it (element bound and, with >= 1000 dot products, the
// variance and bias statistics). Otherwise (several layers, or a bf16 output whose fp32 result
// is not visible): every output within the interval a system whose every operator meets its
// TOSA criterion may produce (oracles/intervals.h). An embedding (a layer that is not a dot
// product): every output within CAST_FROM_BLOCK_SCALED's own criterion, from_block. And the
// CAST_TO_BLOCK_SCALED check on every observed cast, and an observed bf16 output equal to the
// RNE cast of its visible fp32 result.
struct ComplianceResult {
  enum class Criterion : uint8_t {
    dot_product,
    graph_interval,
    from_block
  } criterion = Criterion::dot_product;
  size_t outputs = 0;
  size_t element_failures = 0;
  size_t nonfinite_failures = 0;  // of those: Inf or NaN where every allowed value is finite
  // dot_product: max |err| / ABS_BOUND; graph_interval, from_block: max |y - mid| / half-width.
  double max_err_over_bound = 0;
  bool statistical = false;  // >= 1000 dot products: the variance (and bias) checks apply
  std::optional<double> variance_ratio, bias_ratio;
  bool dot_product_pass = true;
  std::string dot_product_reason;
  size_t bf16_cast_failures = 0;  // bf16 outputs that are not RNE of the visible fp32 result
  bool casts_observed = true;
  size_t cast_failures = 0;
  std::string cast_reason;
  // Op by op (op_by_op.h): each block-scaled op of a multi-layer graph, run alone on the
  // reference's exact input, judged with DOT_PRODUCT; `op_by_op_note` says why none was.
  struct OpVerdict {
    size_t layer = 0;
    pipeline::OpKind op = pipeline::OpKind::unknown;
    bool judged = false;  // false: the run or the graph gave nothing to judge (`reason` says why)
    bool pass = true;
    size_t outputs = 0, element_failures = 0, nonfinite_failures = 0;
    double max_err_over_bound = 0;
    bool statistical = false;
    std::string reason;
  };
  std::vector<OpVerdict> op_by_op;
  std::string op_by_op_note;
  const OpVerdict* first_failing_op() const;
  bool pass(Level) const {
    return dot_product_pass && cast_failures == 0 && bf16_cast_failures == 0 && !first_failing_op();
  }
  std::string reason() const;
  std::string symptom() const;
};

// (c) fidelity against the unquantized fp32 model; judged only where ExecuTorch's thresholds
// apply (otherwise recorded).
struct FidelityResult {
  bool applies = false;
  bool finite = true;
  double rel_frobenius = 0, cosine = 1, sqnr_db = 0;
  uint64_t max_ulp = 0;
  std::pair<double, double> threshold;
  bool pass_ = true;
  bool pass(Level) const { return pass_; }
  std::string reason() const;
  std::string symptom() const;
  formats::ElementType payload = formats::ElementType::fp8e4m3;
};

// (d) which scale rules the observed activation scales match. Never fails.
struct ScaleRulesResult {
  std::vector<formats::ScaleRule> matching;
  bool pass(Level) const { return true; }
  std::string reason() const { return {}; }
  std::string symptom() const { return {}; }
};

struct TierResult {
  Tier tier = Tier::a;
  std::variant<GraphResult, BitExactResult, ComplianceResult, FidelityResult, ScaleRulesResult>
      detail;
  bool pass(Level require) const;
  std::string reason() const;
  // What went wrong, in words that stay the same across the cases one bug touches (no indices,
  // sizes or values): "tier a: output off by <= 1 ulp in isolated elements".
  std::string symptom() const;
  nlohmann::json record() const;  // the tier's writer
};

// One tier. Throws (std::exception) when the oracle cannot judge.
TierResult judge_tier(Tier t, const Observation& seen, const Expected& want);
// The tiers the observation can be judged on, in order: (s) and (a) alone for a wrong output
// shape; (d) only when the casts were observed.
std::vector<TierResult> judge_tiers(const Observation& seen, const Expected& want);

// Differences between two graphs' op sequences (CONST and CONST_SHAPE left out) and their output
// dtypes and shapes, at most 20. Empty when they agree. (Tier s records them.)
std::vector<std::string> compare_structure(const pipeline::Graph& reference,
                                           const pipeline::Graph& other);

// ExecuTorch's fidelity thresholds (relative Frobenius, cosine) per payload.
std::pair<double, double> fidelity_threshold(formats::ElementType t);

}  // namespace mxconf::runner

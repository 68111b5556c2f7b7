// One case through generate -> lower -> validate -> serialize -> load -> execute -> judge.
// The oracle judges in tiers and every tier's outcome is recorded:
//  (a) bit-exact: outputs equal the oracle's pseudocode-order reference; cast scales and codes
//      equal the oracle's;
//  (b) TOSA compliance: the cast check, and DOT_PRODUCT with the MX relaxation (the tensor-wide
//      statistics only when the case has >= 1000 dot products);
//  (c) fidelity against the fp32 model, with a per-dtype threshold where it applies;
//  (d) scale-rule classification: which of tosa / tosa-pre44 / ocp / rceil the observed
//      activation scales match.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/model_check.h"

namespace mxconf::runner {

enum class Verdict { pass, fail, error, rejected_as_expected, rejection_missed };
std::string_view name(Verdict v);

struct CaseResult {
  uint64_t index = 0;
  std::string fingerprint;
  std::string name;
  Verdict verdict = Verdict::pass;
  std::string failed_tier;  // "a", "b" or "c" when verdict == fail
  std::string error_stage;  // generate/lower/validate/serialize/load/execute/judge on error
  std::string message;      // what went wrong, first thing first
  nlohmann::json tiers = nlohmann::json::object();   // every tier's outcome and metrics
  nlohmann::json facets = nlohmann::json::object();  // payload, dtypes, rank, layout, campaign...
  double seconds = 0;

  nlohmann::json to_json() const;
};

struct ExternalSut;  // external_sut.h

struct JudgeOptions {
  bool keep_details = false;  // replay: first differing elements, block scales involved
  // External lowering and/or runtime in place of mxconf's own (null: mxconf's pipeline). Only
  // what it exposes is judged: without cast observations, tier (a) is the output alone, tier
  // (b) is DOT_PRODUCT alone and tier (d) is left out.
  const ExternalSut* sut = nullptr;
};

CaseResult run_case(const generators::Case& c, const JudgeOptions& opts = {});

// mxconf check: grades the file a system under test wrote for an exported case, with the same
// tiers and verdicts as run. Valid cases: a missing or malformed file is an error (stage
// "result"), a file of the wrong shape a failure. ERROR_IF cases: no result file means the
// system rejected the graph (rejected-as-expected); a result file, that it accepted it.
CaseResult grade_result_file(const generators::Case& c, const std::string& result_path);

// Tier (a) alone: the pipeline's output and activation casts against the oracle's, bit for bit
// (any NaN equals any NaN). The JSON holds "pass", mismatch counts and the first differences.
nlohmann::json judge_bit_exact(const PipelineRun& run, const OracleExpectation& want,
                               bool keep_details = false);

// Fidelity thresholds (relative Frobenius, cosine) per payload; see tests/test_pipeline_matrix.
std::pair<double, double> fidelity_threshold(formats::ElementType t);

}  // namespace mxconf::runner

// One case, judged: prepare its data -> the system under test runs it -> the tiers judge what it
// exposed -> one verdict. The same for every system: run, replay and check differ only in the
// SystemUnderTest they pass. Offers CaseResult (and its result-line writer), CaseFacets and
// run_case.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/system_under_test.h"
#include "mxconf/runner/tiers.h"
#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::runner {

// The facets a case is counted under in reports (docs/report-format.md).
struct CaseFacets {
  pipeline::LayerKind op = pipeline::LayerKind::linear;
  std::optional<generators::InvalidRule> rule;  // ERROR_IF cases
  std::string payloads = "fp8e4m3";             // generators::payloads_text: per layer if mixed
  pipeline::DType input_dtype = pipeline::DType::fp32;
  size_t rank = 1;
  enum class Layout : uint8_t { contiguous, channels_last, permuted } layout = Layout::contiguous;
  generators::Campaign campaign = generators::Campaign::uniform;
  size_t layers = 1;
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;

  static CaseFacets of(const generators::Case& c);
  nlohmann::json to_json() const;
};

struct CaseResult {
  uint64_t index = 0;
  std::string fingerprint;
  std::string name;
  Verdict verdict = Verdict::pass;
  std::optional<Level> level;               // a valid case that passed: how close it came
  std::optional<Tier> failed_tier;          // verdict == fail
  std::optional<Stage> error_stage;         // verdict == error
  std::string message;                      // what went wrong, first thing first
  std::vector<TierResult> tiers;            // valid cases: every tier judged
  std::optional<nlohmann::json> rejection;  // ERROR_IF cases: expected and reported codes
  nlohmann::json sut;                       // what external commands did (null: none ran)
  std::optional<CaseFacets> facets;         // absent when the case could not be read
  uint64_t size = 0;                        // multiply-adds of the model: "smallest member"
  // A failing valid case: the other activation cast rules under which the same output would
  // have passed the tier that failed (a diagnosis, never a verdict: "the system casts with
  // pre44"). Empty when none does, or none was tried.
  std::vector<formats::ScaleRule> explained_by;
  double seconds = 0;

  void set_error(Stage s, std::string why);
  // The result line (results.jsonl) without run-level fields.
  nlohmann::json to_json() const;
};

// Multiply-adds of the case's model (how big a case is, for picking representatives).
uint64_t case_size(const generators::Case& c);

struct JudgeOptions {
  bool keep_details = false;  // replay: first differing elements
  // The level a valid case must reach to pass. mxconf's own pipeline claims bit-exactness; for
  // another system the default is TOSA compliance (what the spec's conformance criterion asks).
  Level require = Level::bit_exact;
};

CaseResult run_case(const generators::Case& c, const SystemUnderTest& sut,
                    const JudgeOptions& opts = {});

}  // namespace mxconf::runner

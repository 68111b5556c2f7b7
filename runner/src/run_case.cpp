#include "mxconf/runner/run_case.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/symptom.h"

namespace mxconf::runner {
namespace {

// An ERROR_IF case: the system must reject it, and name the expected code when it names any.
void judge_rejection(const generators::Case& c, RejectionObservation seen, CaseResult& r) {
  r.sut = seen.trace.record;
  nlohmann::json record = std::move(seen.record);
  record["expected"] = c.expect.code;
  r.rejection = std::move(record);
  if (seen.failure) {
    r.set_error(seen.failure->stage, std::move(seen.failure->message));
    return;
  }
  if (seen.unsupported) {
    r.verdict = Verdict::unsupported;
    r.message = std::move(*seen.unsupported);
    return;
  }
  bool as_expected = seen.rejected;
  std::string missed = seen.message;
  if (seen.codes) {
    as_expected =
        std::find(seen.codes->begin(), seen.codes->end(), c.expect.code) != seen.codes->end();
    if (!seen.codes->empty()) missed = "got " + seen.codes->front();
  }
  r.verdict = as_expected ? Verdict::rejected_as_expected : Verdict::rejection_missed;
  r.message = as_expected ? seen.message : "expected " + c.expect.code + ", " + missed;
  if (!is_good(r.verdict)) seen.trace.keep_evidence(r.sut);
}

// Whether the tier that failed passes when the oracle casts activations with another rule: a
// system that implements another rule (torchao's RCEIL, OCP's FLOOR, TOSA before PR #44) then
// fails with a symptom that names it, and one bug is told apart from another. Only tiers (a) and
// (b) depend on the cast rule; the case's own rule is not tried again.
std::vector<formats::ScaleRule> other_cast_rules_that_pass(const generators::Case& c,
                                                           const PreparedCase& p,
                                                           const Observation& seen,
                                                           const JudgeOptions& opts, Tier failed) {
  std::vector<formats::ScaleRule> rules;
  if (failed != Tier::a && failed != Tier::b) return rules;
  for (const formats::ScaleRule rule : formats::kAllScaleRules) {
    if (rule == c.target.cast_rule) continue;
    try {
      const OracleExpectation other = oracle_expectation(p, rule, failed == Tier::a);
      if (judge_tier(failed, seen, {c, p, other, false}).pass(opts.require)) rules.push_back(rule);
    } catch (const std::exception&) {
      // The oracle cannot judge under this rule: no diagnosis from it.
    }
  }
  return rules;
}

// The tiers on what the system exposed; the first tier that fails decides.
void judge_observation(const generators::Case& c, const PreparedCase& p, const Observation& seen,
                       const JudgeOptions& opts, CaseResult& r) {
  try {
    const OracleExpectation oracle = oracle_expectation(p, c.target.cast_rule);
    r.tiers = judge_tiers(seen, {c, p, oracle, opts.keep_details});
  } catch (const std::exception& e) {
    r.tiers.clear();
    r.set_error(stage::judge, e.what());
    return;
  }
  // The first tier that fails at the required level decides. A case that passes every tier at
  // bit-exact reached that level; otherwise it is compliant.
  Level level = Level::bit_exact;
  for (const TierResult& t : r.tiers) {
    if (!t.pass(Level::bit_exact)) level = Level::compliant;
    if (t.pass(opts.require)) continue;
    r.verdict = Verdict::fail;
    r.failed_tier = t.tier;
    r.message = t.reason();
    r.explained_by = other_cast_rules_that_pass(c, p, seen, opts, t.tier);
    return;
  }
  r.level = level;
}

// Tier (s) on a graph that a later step failed on: when it fails, the case fails there.
void judge_graph_before_failure(const generators::Case& c, const PreparedCase& p,
                                const Observation& seen, CaseResult& r) {
  try {
    const OracleExpectation none;
    TierResult s = judge_tier(Tier::s, seen, {c, p, none, false});
    if (s.pass(Level::compliant)) return;
    r.verdict = Verdict::fail;
    r.failed_tier = Tier::s;
    r.message =
        s.reason() + " (and then " + std::string(name(*r.error_stage)) + ": " + r.message + ")";
    r.error_stage.reset();
    r.tiers = {std::move(s)};
  } catch (const std::exception&) {
    // The graph cannot be judged: the step's own error stands.
  }
}

}  // namespace

uint64_t case_size(const generators::Case& c) {
  // Each layer: its outputs times each output's dot product length (the judge's table).
  uint64_t macs = 0;
  std::vector<int64_t> shape = c.model.input.shape;
  try {
    for (const auto& l : c.model.layers) {
      const JudgeOp& op = judge_op(l.kind());
      shape = op.output_shape(shape, l.geometry);
      uint64_t outputs = 1;
      for (int64_t d : shape) outputs *= uint64_t(d);
      macs += outputs * uint64_t(op.ks(l.geometry));
    }
  } catch (const std::exception&) {
    // A model the judge cannot read (an ERROR_IF case's): what was counted so far.
  }
  return macs;
}

CaseFacets CaseFacets::of(const generators::Case& c) {
  const auto& m = c.model;
  CaseFacets f;
  f.op = generators::op_of(c);
  f.rule = c.expect.rule;
  f.payloads = generators::payloads_text(m);
  f.input_dtype = m.input.dtype;
  f.rank = m.input.shape.size();
  if (!m.input.dim_order.empty()) {
    bool identity = true;
    for (size_t i = 0; i < m.input.dim_order.size(); ++i)
      identity &= m.input.dim_order[i] == int64_t(i);
    const bool channels_last = m.input.dim_order == std::vector<int64_t>{0, 2, 3, 1};
    f.layout = identity        ? Layout::contiguous
               : channels_last ? Layout::channels_last
                               : Layout::permuted;
  }
  f.campaign = c.data.campaign;
  f.layers = m.layers.size();
  f.cast_rule = c.target.cast_rule;
  return f;
}

nlohmann::json CaseFacets::to_json() const {
  static constexpr const char* kLayouts[] = {"contiguous", "channels_last", "permuted"};
  return {{"op", rule ? "ERROR_IF:" + std::string(generators::name(*rule))
                      : std::string(pipeline::name(op))},
          {"payload", payloads},
          {"input_dtype", pipeline::io_dtype_name(input_dtype)},
          {"rank", rank},
          {"dim_order", kLayouts[size_t(layout)]},
          {"campaign", generators::name(campaign)},
          {"layers", layers},
          {"cast_rule", formats::name(cast_rule)},
          {"valid", !rule}};
}

void CaseResult::set_error(Stage s, std::string why) {
  verdict = Verdict::error;
  error_stage = s;
  message = std::move(why);
}

nlohmann::json CaseResult::to_json() const {
  nlohmann::json t = nlohmann::json::object();
  for (const TierResult& tier : tiers) t[std::string(record_key(tier.tier))] = tier.record();
  if (rejection) t["rejection"] = *rejection;
  if (!sut.is_null()) t["sut"] = sut;
  nlohmann::json j = {
      {"index", index},    {"fingerprint", fingerprint},
      {"name", name},      {"verdict", mxconf::name(verdict)},
      {"tiers", t},        {"facets", facets ? facets->to_json() : nlohmann::json::object()},
      {"seconds", seconds}};
  if (level) j["level"] = mxconf::name(*level);
  if (failed_tier) j["tier"] = mxconf::name(*failed_tier);
  if (error_stage) j["stage"] = mxconf::name(*error_stage);
  if (!message.empty()) j["message"] = message;
  if (const std::string s = symptom(*this); !s.empty()) j["symptom"] = s;
  if (!explained_by.empty()) {
    nlohmann::json rules = nlohmann::json::array();
    for (const formats::ScaleRule rule : explained_by) rules.push_back(formats::name(rule));
    j["passes_with_cast_rule"] = rules;
  }
  if (facets) j["size"] = size;
  return j;
}

CaseResult run_case(const generators::Case& c, const SystemUnderTest& sut,
                    const JudgeOptions& opts) {
  const auto start = std::chrono::steady_clock::now();
  CaseResult r;
  r.fingerprint = generators::fingerprint(c);
  r.name = generators::case_name(c);
  r.facets = CaseFacets::of(c);
  r.size = case_size(c);
  // A system's stages report their own failures; what escapes one is still its failure.
  auto escaped = [&](const std::exception& e) {
    r.set_error(stage::execute, std::string("the system under test failed: ") + e.what());
  };
  if (!c.expect.valid()) {
    try {
      judge_rejection(c, sut.run_invalid(c), r);
    } catch (const std::exception& e) {
      escaped(e);
    }
  } else {
    std::optional<PreparedCase> p;
    try {
      p = prepare_case(c);
    } catch (const std::exception& e) {
      r.set_error(stage::generate, e.what());  // the case's data could not be made
    }
    if (p) {
      try {
        const Observation seen = sut.run(c, *p);
        r.sut = seen.trace.record;
        if (seen.failure) {
          r.set_error(seen.failure->stage, seen.failure->message);
          // A graph that breaks TOSA's rules explains whatever failed after it was made: the
          // lowering that made it is at fault, not the step that choked on it.
          if (seen.graph) judge_graph_before_failure(c, *p, seen, r);
        } else if (seen.unsupported) {
          r.verdict = Verdict::unsupported;
          r.message = *seen.unsupported;
        } else {
          judge_observation(c, *p, seen, opts, r);
        }
        if (!is_good(r.verdict)) seen.trace.keep_evidence(r.sut);
      } catch (const std::exception& e) {
        escaped(e);
      }
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace mxconf::runner

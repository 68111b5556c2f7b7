// The dispatcher: which tiers a case is judged on, in order, and what each result says.
#include <algorithm>
#include <cmath>

#include "tier_functions.h"

namespace mxconf::runner {

uint8_t oracle_block_scale(const oracles::FormatSpec& f, oracles::ScalePolicy p,
                           const float* block) {
  double amax = 0;
  for (size_t i = 0; i < 32; ++i) {
    if (!std::isfinite(block[i])) return 0xFF;
    amax = std::max(amax, std::fabs(double(block[i])));
  }
  return oracles::scale_byte(f, p, amax);
}

bool TierResult::pass(Level require) const {
  return std::visit([require](const auto& r) { return r.pass(require); }, detail);
}

std::string TierResult::reason() const {
  return std::visit([](const auto& r) { return r.reason(); }, detail);
}

std::string TierResult::symptom() const {
  return std::visit([](const auto& r) { return r.symptom(); }, detail);
}

std::string ulp_bucket(uint64_t ulp) {
  if (ulp <= 1) return "<= 1 ulp";
  if (ulp <= 4) return "2-4 ulp";
  if (ulp <= 256) return "5-256 ulp";
  return "> 256 ulp";
}

std::string spread(size_t bad, size_t total) {
  if (total == 0 || bad * 100 <= total || bad == 1) return "isolated elements";
  if (bad * 2 < total) return "some elements";
  if (bad < total) return "most elements";
  return "every element";
}

nlohmann::json TierResult::record() const {
  struct Writer {
    nlohmann::json operator()(const GraphResult& r) const { return graph_record(r); }
    nlohmann::json operator()(const BitExactResult& r) const { return bit_exact_record(r); }
    nlohmann::json operator()(const ComplianceResult& r) const { return compliance_record(r); }
    nlohmann::json operator()(const FidelityResult& r) const { return fidelity_record(r); }
    nlohmann::json operator()(const ScaleRulesResult& r) const { return scale_rules_record(r); }
  };
  return std::visit(Writer{}, detail);
}

TierResult judge_tier(Tier t, const Observation& seen, const Expected& want) {
  switch (t) {
    case Tier::s:
      return {t, judge_graph(seen, want)};
    case Tier::a:
      return {t, judge_bit_exact(seen, want)};
    case Tier::b:
      return {t, judge_compliance(seen, want)};
    case Tier::c:
      return {t, judge_fidelity(seen, want)};
    case Tier::d:
      return {t, judge_scale_rules(seen, want)};
  }
  throw std::logic_error("unknown tier");
}

std::vector<TierResult> judge_tiers(const Observation& seen, const Expected& want) {
  // A wrong output shape leaves nothing to compare element by element.
  if (!seen.shape_error.empty())
    return {judge_tier(Tier::s, seen, want), judge_tier(Tier::a, seen, want)};
  std::vector<TierResult> out;
  for (Tier t : kAllTiers) {
    if (t == Tier::d && !seen.casts_observed) continue;  // nothing to classify
    out.push_back(judge_tier(t, seen, want));
  }
  return out;
}

}  // namespace mxconf::runner

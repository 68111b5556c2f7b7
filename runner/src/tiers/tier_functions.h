// Internal to runner/src/tiers: the per-tier functions and record writers behind tiers.h.
#pragma once

#include <nlohmann/json.hpp>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/runner/tiers.h"

namespace mxconf::runner {

GraphResult judge_graph(const Observation& seen, const Expected& want);
BitExactResult judge_bit_exact(const Observation& seen, const Expected& want);
ComplianceResult judge_compliance(const Observation& seen, const Expected& want);
FidelityResult judge_fidelity(const Observation& seen, const Expected& want);
ScaleRulesResult judge_scale_rules(const Observation& seen, const Expected& want);

nlohmann::json graph_record(const GraphResult& s);
nlohmann::json bit_exact_record(const BitExactResult& a);
nlohmann::json compliance_record(const ComplianceResult& b);
nlohmann::json fidelity_record(const FidelityResult& c);
nlohmann::json scale_rules_record(const ScaleRulesResult& d);

// Symptom helpers the tiers share (symptom.h has generalize()).
std::string ulp_bucket(uint64_t ulp);
std::string spread(size_t bad, size_t total);

// The E8M0 byte policy p gives the 32 values at `block`: 0xFF when any is NaN or Inf.
uint8_t oracle_block_scale(const oracles::FormatSpec& f, oracles::ScalePolicy p,
                           const float* block);

}  // namespace mxconf::runner

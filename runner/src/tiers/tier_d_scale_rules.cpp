// Tier (d): which named scale rules reproduce every observed activation scale. It never fails a
// case; it tells a system's rule apart where the compliance check (which accepts a one-binade
// difference) cannot.
#include "mxconf/generators/oracle_bridge.h"
#include "tier_functions.h"

namespace mxconf::runner {

nlohmann::json scale_rules_record(const ScaleRulesResult& d) {
  nlohmann::json j = nlohmann::json::array();
  for (formats::ScaleRule r : d.matching) j.push_back(formats::name(r));
  return j;
}

ScaleRulesResult judge_scale_rules(const Observation& seen, const Expected& want) {
  ScaleRulesResult d;
  const auto& layers = want.data.model.layers;
  for (formats::ScaleRule r : formats::kAllScaleRules) {
    const oracles::ScalePolicy p = generators::oracle_policy(r);
    bool all = true;
    for (size_t l = 0; l < seen.casts.size() && l < layers.size(); ++l) {
      const oracles::FormatSpec& fmt = generators::oracle_format(layers[l].payload);
      const CastObservation& obs = seen.casts[l];
      for (size_t b = 0; b < obs.scales.size() && all; ++b)
        all = obs.scales[b] == oracle_block_scale(fmt, p, &obs.input[b * 32]);
    }
    if (all) d.matching.push_back(r);
  }
  return d;
}

}  // namespace mxconf::runner

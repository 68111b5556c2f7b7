// RapidCheck generators of conformance cases, composed from small ones. Shrinking moves toward
// simpler cases: fewer blocks (K shrinks by whole blocks), smaller M and N, lower rank, one layer,
// contiguous layout, plainer campaigns and values.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "mxconf/generators/campaigns.h"
#include "mxconf/generators/case.h"
#include "mxconf/generators/invalid_rules.h"

namespace mxconf::generators {

struct GenConfig {
  std::vector<Campaign> campaigns;  // empty: all campaigns
  double invalid_fraction = 0.0;    // share of invalid (one-rule-broken) cases
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;
  int max_k_blocks = 256;  // K up to 32 * 256 = 8192
  // The weight scale rules cases may name (empty: all). A drawn rule outside the set is mapped
  // onto it without another draw, so the rest of every case stays what the seed made it.
  std::vector<formats::ScaleRule> weight_rules;
  std::vector<pipeline::LayerKind> ops;  // the operators cases exercise (empty: all)
  // Each case draws its CAST_TO_BLOCK_SCALED rule (cast_rule is then unused): for a system that
  // takes the rule as an option, so that ignoring it is caught. Drawn after everything else.
  bool vary_cast_rule = false;
};

// Why no case can be generated with `cfg` (no operator asked for can run any campaign asked for),
// or empty when cases can be.
std::string check_config(const GenConfig& cfg);

// Small building blocks.
rc::Gen<int64_t> gen_dim();                                // 1, primes, and larger values
rc::Gen<std::vector<int64_t>> gen_dim_order(size_t rank);  // every permutation; identity first
rc::Gen<int64_t> gen_k_blocks(int max_blocks);             // blocks of 32 along K

rc::Gen<pipeline::ModelSpec> gen_model();  // M*N bounded by the RapidCheck size
rc::Gen<Case> gen_valid_case(const GenConfig& cfg);

// Invalid cases: one point of one rule's boundary (invalid_rules.h).
struct RulePoint {
  InvalidRule rule;
  uint32_t variant;
};
// Every point of every rule an operator `cfg` allows can break, in the order invalid cases cycle
// through them: each rule's variant 0, then each rule's variant 1, and so on.
std::vector<RulePoint> rule_points(const GenConfig& cfg);
// Invalid cases sit at evenly spaced indexes (not drawn), so the points cycle deterministically:
// case `index` is invalid when floor((index + 1) * f) > floor(index * f) (f in thousandths), and
// then it is invalid case number floor(index * f).
std::optional<uint64_t> invalid_ordinal(double invalid_fraction, uint64_t index);
// A valid base case drawn among the operators the rule is about, with `point` broken.
rc::Gen<Case> gen_invalid_case(const GenConfig& cfg, RulePoint point);

// Case `index` of the run with seed `run_seed`: the generator driven by a Random derived from
// both, at a size that cycles with the index; invalid case j (invalid_ordinal) breaks
// rule_points(cfg)[j % size]. Deterministic; the Shrinkable carries the shrinks.
rc::Shrinkable<Case> case_at(const GenConfig& cfg, uint64_t run_seed, uint64_t index);

// RapidCheck's generation context (what `*gen` inside gen::exec uses) is process-global, and a
// Shrinkable re-runs its generator whenever its value or shrinks are taken. Every such call from
// a worker thread must hold this lock.
std::mutex& generation_mutex();
// case_at(...).value() under the lock.
Case generate_case(const GenConfig& cfg, uint64_t run_seed, uint64_t index);

}  // namespace mxconf::generators

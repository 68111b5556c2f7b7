// The invalid-case rules: each breaks exactly one rule of a valid base case and names the typed
// error the pipeline must answer with. A rule acts on the model description (before lowering),
// on the lowered graph, or on the target.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::generators {

enum class InvalidRule : uint8_t {
  k_not_multiple_of_32,       // model: in_features (and the input's last dim) K + 16
  mismatched_payloads,        // graph: the weights' payload dtype differs from the activation's
  missing_mxfp,               // target: EXT-MX-COMMON without the payload's EXT-MX-<elem>
  e8m0_without_mxfp,          // graph + target: an FP8UE8M0 tensor alone, target without mxfp
  wrong_scale_shape,          // graph: weight scale [1, N, K/32 + 1]
  batch_not_1_or_n,           // graph: weights with D = 2 while N = 1
  rank_zero,                  // graph: CAST_TO_BLOCK_SCALED of a rank-0 tensor
  non_permutation_dim_order,  // model: input dim_order repeats an axis
  inconsistent_bias_length,   // model: N + 1 bias values
  count,
};

inline constexpr InvalidRule kAllInvalidRules[] = {InvalidRule::k_not_multiple_of_32,
                                                   InvalidRule::mismatched_payloads,
                                                   InvalidRule::missing_mxfp,
                                                   InvalidRule::e8m0_without_mxfp,
                                                   InvalidRule::wrong_scale_shape,
                                                   InvalidRule::batch_not_1_or_n,
                                                   InvalidRule::rank_zero,
                                                   InvalidRule::non_permutation_dim_order,
                                                   InvalidRule::inconsistent_bias_length};

enum class RuleStage { model, graph, target };

std::string_view name(InvalidRule r);
std::optional<InvalidRule> parse_invalid_rule(std::string_view s);
RuleStage stage(InvalidRule r);
// Whether the breakage is a matter of the target's extensions: a runtime, which is given a graph
// and never a target, cannot be asked to reject it (e8m0_without_mxfp, missing_mxfp).
bool depends_on_target(InvalidRule r);
// The typed code expected: a pipeline::ValidationCode name, or a model error code.
std::string expected_code(InvalidRule r);

// Model-level rules: the model JSON with the rule broken (parsing it must fail with the code).
nlohmann::json break_model(InvalidRule r, const pipeline::ModelSpec& m);
// Graph-level rules: edit the lowered graph in place.
void break_graph(InvalidRule r, pipeline::Graph& g);
// The target the case is validated against (target-level rules change it).
pipeline::Target target_for(InvalidRule r, const pipeline::Target& profile);

}  // namespace mxconf::generators

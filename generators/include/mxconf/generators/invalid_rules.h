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
  inconsistent_bias_length,   // model: N + 1, N - 1 or no bias values
  // CONV2D_BLOCK_SCALED (conv2d cases only):
  ic_not_multiple_of_32,      // model: in_channels (and the input's C) IC + 1, + 16 or + 31
  groups_not_1,               // model: groups 2, 3 or 4
  conv_negative_pad,          // graph: one pad -1, -2 or -8193
  conv_stride_below_1,        // graph: one stride 0 or -1
  conv_dilation_below_1,      // graph: one dilation 0 or -1
  conv_output_size,           // graph: a bottom or right pad 1-3 larger (OH / OW no longer match)
  conv_bias_not_oc_or_1,      // graph: BC = 0, 2 .. OC - 1, or OC + 1
  conv_shape_operand_length,  // graph: pad with 3 or 5 values, stride or dilation with 1 or 3
  conv_missing_extension,     // target: without EXT-MXFP-CONV
  conv_level_kernel,          // graph (stand-alone conv): dilation * KH = 8193 ..
  conv_level_pad,             // graph (stand-alone conv): pad_top 8193 ..
  conv_level_stride,          // graph (stand-alone conv): stride 8193 ..
  // ROW_GATHER_BLOCK_SCALED (embedding cases only, asked for with --ops MX_EMBEDDING):
  embedding_dim_not_multiple_of_32,  // model: embedding_dim D + 1, + 16 or + 31
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
                                                   InvalidRule::inconsistent_bias_length,
                                                   InvalidRule::ic_not_multiple_of_32,
                                                   InvalidRule::groups_not_1,
                                                   InvalidRule::conv_negative_pad,
                                                   InvalidRule::conv_stride_below_1,
                                                   InvalidRule::conv_dilation_below_1,
                                                   InvalidRule::conv_output_size,
                                                   InvalidRule::conv_bias_not_oc_or_1,
                                                   InvalidRule::conv_shape_operand_length,
                                                   InvalidRule::conv_missing_extension,
                                                   InvalidRule::conv_level_kernel,
                                                   InvalidRule::conv_level_pad,
                                                   InvalidRule::conv_level_stride,
                                                   InvalidRule::embedding_dim_not_multiple_of_32};

enum class RuleStage { model, graph, target };

std::string_view name(InvalidRule r);
std::optional<InvalidRule> parse_invalid_rule(std::string_view s);
RuleStage stage(InvalidRule r);
// Whether the breakage is a matter of the target's extensions: a runtime, which is given a graph
// and never a target, cannot be asked to reject it (e8m0_without_mxfp, missing_mxfp).
bool depends_on_target(InvalidRule r);
// The typed code expected: a pipeline::ValidationCode name, or a model error code.
std::string expected_code(InvalidRule r);

// How many points around its boundary the rule is broken at: variants 0 .. variants(r) - 1.
uint32_t variants(InvalidRule r);
// Whether the rule can be broken in a model of this operator (each rule names at most one).
bool applies_to(InvalidRule r, pipeline::LayerKind kind);
// The rule table lists the rules in enum order (a test holds it).
bool rule_table_in_enum_order();

// Each rule is broken at several points around its boundary, not at one canonical value, so a
// validator checking a looser condition than the spec's cannot pass them all: `variant` (the
// case's expect.variant, taken modulo variants(r)) picks the point. Campaigns cycle through every
// (rule, variant) pair in turn (case_gen.h), so each point comes back every few hundred cases.
// Model-level rules: the model JSON with the rule broken (parsing it must fail with the code).
nlohmann::json break_model(InvalidRule r, const pipeline::ModelSpec& m, uint64_t variant = 0);
// Graph-level rules: edit the lowered graph in place.
void break_graph(InvalidRule r, pipeline::Graph& g, uint64_t variant = 0);
// The target the case is validated against (target-level rules change it).
pipeline::Target target_for(InvalidRule r, const pipeline::Target& profile);

}  // namespace mxconf::generators

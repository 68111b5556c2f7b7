#include "generation_options.h"

#include "enum_options.h"
#include "mxconf/generators/campaigns.h"
#include "mxconf/generators/case_gen.h"
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::cli {

void add_generation_options(CLI::App* cmd, GenerationCliOptions& o) {
  cmd->add_option("--cases", o.cases, "cases (case i derives from --seed and i)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "run seed")->capture_default_str();
  cmd->add_option("--campaign", o.campaigns, "value campaigns (default: all)");
  cmd->add_option("--invalid-fraction", o.invalid_fraction, "share of invalid cases")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--max-k", o.max_k, "largest K generated (a multiple of 32; smaller runs faster)")
      ->check(CLI::Range(32, 8192))
      ->capture_default_str();
  o.cast_rule_option =
      add_scale_rule_option(cmd, "--cast-rule", o.cast_rule,
                            "the CAST_TO_BLOCK_SCALED rule the SUT implements (run without an\n"
                            "external runtime: each case draws one unless this is given)");
  cmd->add_option("--ops", o.ops,
                  "operators to generate: MXFP_LINEAR, MXFP_CONV2D, MX_EMBEDDING (default: "
                  "MXFP_LINEAR and MXFP_CONV2D; MX_EMBEDDING only when named)");
  cmd->add_option("--weight-scale-rule", o.weight_rules,
                  "weight scale rules the cases may name (default: all; e.g. rceil and ocp for\n"
                  "ExecuTorch, which quantizes weights with torchao's modes)");
}

generators::GenConfig make_gen_config(const GenerationCliOptions& o) {
  generators::GenConfig g;
  for (const std::string& c : o.campaigns) {
    const auto campaign = generators::parse_campaign(c);
    if (!campaign) throw UsageError("unknown campaign '" + c + "'");
    if (*campaign == generators::Campaign::fixed)
      throw UsageError("campaign 'fixed' replays given data; it cannot be generated");
    g.campaigns.push_back(*campaign);
  }
  g.invalid_fraction = o.invalid_fraction;
  if (o.max_k % 32 != 0)
    throw UsageError("--max-k " + std::to_string(o.max_k) + " is not a multiple of 32");
  g.max_k_blocks = o.max_k / 32;
  g.cast_rule = o.cast_rule;
  for (const std::string& name : o.ops) {
    const auto op = pipeline::parse_layer_kind(name);
    if (!op) {
      std::string known;
      for (pipeline::LayerKind k : pipeline::kAllLayerKinds)
        known += (known.empty() ? "" : ", ") + std::string(pipeline::name(k));
      throw UsageError("--ops '" + name + "' is not one of " + known);
    }
    g.ops.push_back(*op);
  }
  for (const std::string& r : o.weight_rules) {
    const auto rule = formats::parse_scale_rule(r);
    if (!rule) throw UsageError("--weight-scale-rule '" + r + "' is not a scale rule");
    g.weight_rules.push_back(*rule);
  }
  if (const std::string why = generators::check_config(g); !why.empty()) throw UsageError(why);
  return g;
}

}  // namespace mxconf::cli

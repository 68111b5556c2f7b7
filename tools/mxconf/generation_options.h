// The case-generation options shared by run and export: which cases a seed yields.
#pragma once

#include <string>
#include <vector>

#include "commands.h"
#include "mxconf/generators/case.h"
#include "mxconf/generators/case_gen.h"

namespace mxconf::cli {

struct GenerationCliOptions {
  uint64_t cases = 1000;
  uint64_t seed = generators::kDefaultRunSeed;
  std::vector<std::string> campaigns;
  double invalid_fraction = 0.1;
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;
  CLI::Option* cast_rule_option = nullptr;  // to tell "--cast-rule tosa" from no --cast-rule
  int max_k = 8192;
  std::vector<std::string> weight_rules;
  std::vector<std::string> ops;
  bool cast_rule_given() const { return cast_rule_option && cast_rule_option->count() > 0; }
};

void add_generation_options(CLI::App* cmd, GenerationCliOptions& o);
// Throws UsageError naming a bad campaign or --max-k.
generators::GenConfig make_gen_config(const GenerationCliOptions& o);

}  // namespace mxconf::cli

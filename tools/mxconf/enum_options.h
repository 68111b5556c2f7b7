// Options whose values name an mxconf enum (a scale rule, a payload type, a conformance level):
// the names are listed once, from the enum's own table, and parsed here into the enum. Everything
// past the command line passes the enum.
#pragma once

#include <optional>
#include <string>

#include "commands.h"
#include "mxconf/formats/block_cast.h"
#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::cli {

// `out` keeps its current value as the default (shown in --help).
CLI::Option* add_scale_rule_option(CLI::App* cmd, const std::string& flag, formats::ScaleRule& out,
                                   const std::string& help);
CLI::Option* add_payload_option(CLI::App* cmd, const std::string& flag, formats::ElementType& out,
                                const std::string& help);
// Empty unless given: the command then picks the level for the system it judges.
CLI::Option* add_level_option(CLI::App* cmd, const std::string& flag,
                              std::optional<mxconf::Level>& out, const std::string& help);
// A level with a fixed default.
CLI::Option* add_level_option(CLI::App* cmd, const std::string& flag, mxconf::Level& out,
                              const std::string& help);

}  // namespace mxconf::cli

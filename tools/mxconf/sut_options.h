// --sut-exec / --sut-lower / --sut-timeout / --sut-keep-work, shared by run and replay.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "commands.h"
#include "mxconf/runner/external_sut.h"

namespace mxconf::cli {

struct SutCliOptions {
  std::string exec, lower;
  double timeout = 60;
  bool keep_work = false;
  size_t keep_failures = 20;
  std::string python;
  bool worker = false;
  double startup = 60;
  size_t restarts = 32;
  runner::ExternalSutOptions::VersionProbe versions =
      runner::ExternalSutOptions::VersionProbe::automatic;
  std::optional<mxconf::Level> require;  // none: bit-exact for mxconf's own, compliant for another
};

void add_sut_options(CLI::App* cmd, SutCliOptions& o);

// The level valid cases must reach (--require, or the default for the system chosen).
mxconf::Level required_level(const SutCliOptions& o);

// The system the options select: mxconf's own pipeline, with an external lowering and/or runtime
// in place of its halves. Throws UsageError for a bad template.
std::unique_ptr<runner::SystemUnderTest> make_sut(const SutCliOptions& o,
                                                  const std::string& work_root);

}  // namespace mxconf::cli

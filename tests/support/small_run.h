// Shared by the runner and report tests: a fresh scratch directory, mxconf's own pipeline as the
// system under test, and a small, quick run (no shrinking, short K) into a directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/run_case.h"
#include "mxconf/runner/run_loop.h"

namespace mxconf::test {

inline std::filesystem::path scratch_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / ("mxconf_" + name);
  std::filesystem::remove_all(p);
  return p;
}

inline const runner::SystemUnderTest& reference_sut() {
  static const std::unique_ptr<runner::SystemUnderTest> sut = runner::make_reference_sut();
  return *sut;
}

// One case through mxconf's own pipeline.
inline runner::CaseResult run_reference(const generators::Case& c, bool keep_details = false) {
  return runner::run_case(c, reference_sut(), {keep_details});
}

// What a run is: the generated cases, and how they are run.
struct SmallRun {
  generators::GenConfig gen;
  uint64_t seed = 1;
  uint64_t cases = 0;
  runner::RunOptions options;
};

inline SmallRun small_run_options(const std::filesystem::path& dir, uint64_t cases, uint64_t seed,
                                  int max_k_blocks) {
  SmallRun r;
  r.cases = cases;
  r.seed = seed;
  r.gen.invalid_fraction = 0.2;
  r.gen.max_k_blocks = max_k_blocks;
  r.options.out_dir = dir.string();
  r.options.shrink = false;
  return r;
}

inline runner::RunSummary run_small(const SmallRun& r,
                                    const runner::SystemUnderTest* sut = nullptr) {
  const runner::GeneratedCases cases(r.gen, r.seed, r.cases);
  return runner::run_campaign(cases, sut ? *sut : reference_sut(), r.options);
}

// Runs shard s of `count` (options from `base` with the shard set) into scratch_dir(prefix + s)
// for every s, and returns the run directories in shard order.
inline std::vector<std::filesystem::path> run_shards(const SmallRun& base, uint32_t count,
                                                     const std::string& prefix) {
  std::vector<std::filesystem::path> dirs;
  for (uint32_t s = 0; s < count; ++s) {
    SmallRun r = base;
    r.options.out_dir = scratch_dir(prefix + std::to_string(s)).string();
    r.options.shard_index = s;
    r.options.shard_count = count;
    run_small(r);
    dirs.emplace_back(r.options.out_dir);
  }
  return dirs;
}

}  // namespace mxconf::test

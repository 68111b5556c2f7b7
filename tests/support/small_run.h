// Shared by the runner and report tests: a fresh scratch directory, and the options of a small,
// quick run (no shrinking, short K) into it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mxconf/runner/run_loop.h"

namespace mxconf::test {

inline std::filesystem::path scratch_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / ("mxconf_" + name);
  std::filesystem::remove_all(p);
  return p;
}

inline runner::RunOptions small_run_options(const std::filesystem::path& dir, uint64_t cases,
                                            uint64_t seed, int max_k_blocks) {
  runner::RunOptions o;
  o.cases = cases;
  o.seed = seed;
  o.gen.invalid_fraction = 0.2;
  o.gen.max_k_blocks = max_k_blocks;
  o.out_dir = dir.string();
  o.shrink = false;
  return o;
}

// Runs shard s of `count` (options from `base` with the shard set) into scratch_dir(prefix + s)
// for every s, and returns the run directories in shard order.
inline std::vector<std::filesystem::path> run_shards(const runner::RunOptions& base, uint32_t count,
                                                     const std::string& prefix) {
  std::vector<std::filesystem::path> dirs;
  for (uint32_t s = 0; s < count; ++s) {
    runner::RunOptions o = base;
    o.out_dir = scratch_dir(prefix + std::to_string(s)).string();
    o.shard_index = s;
    o.shard_count = count;
    runner::run_campaign(o);
    dirs.emplace_back(o.out_dir);
  }
  return dirs;
}

}  // namespace mxconf::test

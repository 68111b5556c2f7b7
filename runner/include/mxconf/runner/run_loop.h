// The conformance run: cases 0..N-1 of a source (or one shard of them), judged in parallel,
// streamed in index order to DIR/results.jsonl (one flushed JSON line per case), failures shrunk
// and saved with a replay command, and DIR/summary.json at the end. Results do not depend on
// --jobs; shards partition the case space; --resume continues after the last complete line.
// Offers RunOptions, run_campaign and utc_now.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "mxconf/runner/case_source.h"
#include "mxconf/runner/run_case.h"
#include "mxconf/runner/system_under_test.h"

namespace mxconf::runner {

struct RunOptions {
  double time_budget_seconds = 0;             // 0: no budget
  uint32_t shard_index = 0, shard_count = 1;  // shard_index counts from 0 (the CLI from 1)
  unsigned jobs = 1;
  std::string out_dir = "out/run";
  bool resume = false;
  bool shrink = true;          // only cases from a generator shrink
  double shrink_seconds = 10;  // per failure shrunk
  // One representative per symptom is shrunk, until the run has spent this long shrinking; the
  // other failures are saved as they are (without running them again).
  double shrink_budget_seconds = 120;
  JudgeOptions judge;  // the level valid cases must reach
  std::string replay_prefix = "mxconf replay";
  const std::atomic<bool>* stop = nullptr;  // set asynchronously (SIGINT) to end the run early
  std::function<void(const nlohmann::json&)> progress;  // called with running counts
  nlohmann::json identity = nlohmann::json::object();   // what else identifies the run (run.json)
};

struct RunSummary {
  nlohmann::json json;   // what summary.json holds
  bool all_good = true;  // every verdict is pass or rejected-as-expected
};

// The current time as ISO 8601 UTC ("2026-11-29T10:00:00Z"), as run and package metadata record it.
std::string utc_now();

// Throws std::runtime_error for bad options or a results file that does not belong to this run.
RunSummary run_campaign(const CaseSource& cases, const SystemUnderTest& sut,
                        const RunOptions& opts);

}  // namespace mxconf::runner

// The conformance run: cases 0..N-1 of a seed (or one shard of them), judged in parallel,
// streamed in index order to DIR/results.jsonl (one flushed JSON line per case), failures shrunk
// and saved with a replay command, and DIR/summary.json at the end. Results do not depend on
// --jobs; shards partition the case space; --resume continues after the last complete line.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "mxconf/generators/case_gen.h"
#include "mxconf/runner/external_sut.h"
#include "mxconf/runner/judge.h"

namespace mxconf::runner {

struct RunOptions {
  uint64_t cases = 1000;
  uint64_t seed = 1;
  double time_budget_seconds = 0;  // 0: no budget
  uint32_t shard_index = 0, shard_count = 1;
  unsigned jobs = 1;
  generators::GenConfig gen;
  std::string out_dir = "out/run";
  bool resume = false;
  bool shrink = true;
  double shrink_seconds = 10;  // per failure
  std::string replay_prefix = "mxconf replay";
  const std::atomic<bool>* stop = nullptr;  // set asynchronously (SIGINT) to end the run early
  std::function<void(const nlohmann::json&)> progress;  // called with running counts
  // An external lowering and/or runtime judged in place of mxconf's pipeline (external_sut.h).
  const ExternalSut* sut = nullptr;
  // mxconf check: cases come from a package (case_at) and are graded from result files
  // (evaluate) instead of generated and run. Such runs do not shrink.
  std::function<generators::Case(uint64_t index)> case_at;
  std::function<CaseResult(const generators::Case&, uint64_t index)> evaluate;
  nlohmann::json identity_extra = nlohmann::json::object();  // merged into run.json's identity
};

struct RunSummary {
  nlohmann::json json;   // what summary.json holds
  bool all_good = true;  // every verdict is pass or rejected-as-expected
};

// The current time as ISO 8601 UTC ("2026-11-29T10:00:00Z"), as run and package metadata record it.
std::string utc_now();

// Throws std::runtime_error for bad options or a results file that does not belong to this run.
RunSummary run_campaign(const RunOptions& opts);

// Greedy reduction of a failing case while `still_fails` holds: RapidCheck's shrinks when the
// case came from the generator, then a block-wise reducer (drop layers, rows, blocks of K,
// outputs, bias, rank, layout; plainer campaign and seeds).
// `gen` (may be null) names the generator the case came from: (config, run seed, index).
generators::Case shrink_case(const generators::Case& c, const generators::GenConfig* gen,
                             uint64_t run_seed, uint64_t index,
                             const std::function<bool(const generators::Case&)>& still_fails,
                             double seconds);

// Failure signature: verdict plus tier or stage; a shrink must keep it.
std::string failure_signature(const CaseResult& r);

}  // namespace mxconf::runner

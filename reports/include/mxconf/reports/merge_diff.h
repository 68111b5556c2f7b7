// Combining runs: shards into one run, and a report against a baseline and known failures.
#pragma once

#include <string>
#include <vector>

#include "mxconf/reports/report.h"

namespace mxconf::reports {

// Merges the run directories of the shards of one run (same identity but for the shard index,
// every index 0..N-1 present once) into OUT: results.jsonl in case order, run.json with shard
// 0/1, so OUT is what a single unsharded run writes (but for per-case wall times). Throws
// std::runtime_error for mismatched or missing shards; OUT is written all or nothing.
void merge_runs(const std::vector<std::string>& shard_dirs, const std::string& out_dir,
                std::vector<std::string>* warnings);

// An xfail entry names a failure group by its symptom (what went wrong, e.g. a systematic bug of
// an external system) or by one case's fingerprint, with a reason and a link to the finding.
struct KnownFailure {
  std::string key;  // a symptom or a fingerprint
  std::string reason, link;
};
std::vector<KnownFailure> load_xfail_file(const std::string& path);  // throws std::runtime_error

struct DiffEntry {
  std::string key, cls, message, replay, reason;  // key: the group's symptom (or fingerprint)
};
struct Diff {
  std::vector<DiffEntry> entries;  // cls: new, fixed, still-failing, xfail, unexpected-pass
  bool ok() const;                 // no new failure and no unexpected pass
  nlohmann::json to_json() const;
};
Diff diff_reports(const Report& baseline, const Report& current,
                  const std::vector<KnownFailure>& xfail);

}  // namespace mxconf::reports

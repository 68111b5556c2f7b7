// The conformance report model (docs/report-format.md): run metadata, an aggregate matrix,
// per-tier statistics and deduplicated failures, built by streaming a run's results.jsonl.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mxconf::reports {

inline constexpr int kReportFormatVersion = 1;

// Fixed-edge histogram: counts[i] holds values in [edges[i], edges[i+1]); the last bin is open.
struct Histogram {
  std::vector<double> edges;
  std::vector<uint64_t> counts;
  static Histogram with_edges(std::vector<double> edges);
  void add(double v);
  bool operator==(const Histogram&) const = default;
};

// Outcome counts of one matrix cell (or of the whole run).
struct Counts {
  uint64_t pass = 0, rejected = 0, missed = 0, xfail = 0;
  std::map<std::string, uint64_t> fail_by_tier;    // "a", "b", "c"
  std::map<std::string, uint64_t> error_by_stage;  // "lower", "validate", ...
  uint64_t total() const;
  uint64_t bad() const;  // fail + error + missed
  bool operator==(const Counts&) const = default;
};

// Cases with the same failure fingerprint (the shrunk case's, else the case's own).
struct FailureGroup {
  std::string fingerprint;
  std::string verdict, tier, stage, message, replay;
  std::string name;  // the first case's name (the smallest case is the minimal one, if shrunk)
  uint64_t count = 0;
  std::vector<uint64_t> indices;  // the first few case indices
  bool known = false;             // listed as a known failure (xfail) when the report was built
  bool operator==(const FailureGroup&) const = default;
};

struct Report {
  nlohmann::json metadata;  // version, commit, run identity, target, machine, times, cases/s
  // Cell key: "op|payload|input_dtype|rank|dim_order|campaign"; op is "MXFP_LINEAR" for valid
  // cases and "ERROR_IF:<rule>" for invalid ones.
  std::map<std::string, Counts> matrix;
  Counts totals;
  Histogram err_over_bound;                        // tier (b): max |err| / bound per case
  Histogram max_ulp;                               // tier (c): max ULP distance to the fp32 model
  std::map<std::string, Histogram> rel_frobenius;  // per payload
  std::map<std::string, Histogram> cosine;         // per payload
  std::map<std::string, uint64_t> scale_rules;     // tier (d): rule -> cases it matches
  std::map<std::string, FailureGroup> failures;    // by fingerprint
  std::vector<std::string> warnings;
  // Fingerprints of known failures (reports/xfail.json): their cases count as xfail, not as
  // fail/error/missed, in the matrix and totals. Not serialized (the groups carry `known`).
  std::set<std::string> known_failures;
  bool operator==(const Report&) const = default;
};

inline constexpr const char* kMatrixKeys[] = {"op",   "payload",   "input_dtype",
                                              "rank", "dim_order", "campaign"};

// Adds one results.jsonl record.
void add_result(Report& r, const nlohmann::json& line);

// Streams DIR/results.jsonl into a report (a truncated last line is skipped with a warning),
// with metadata from DIR/run.json and DIR/summary.json. Throws std::runtime_error naming the
// file and line for anything else that is wrong.
Report build_report(const std::string& run_dir, const std::set<std::string>& known_failures = {});

nlohmann::json to_json(const Report& r);
Report report_from_json(const nlohmann::json& j);  // throws std::runtime_error
Report load_report_file(const std::string& path);

}  // namespace mxconf::reports

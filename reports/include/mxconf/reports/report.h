// The conformance report model (docs/report-format.md): run metadata, an aggregate matrix,
// per-tier statistics and deduplicated failures, built by streaming a run's results.jsonl.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mxconf::reports {

// 2: failures grouped by symptom (with shared facets and a representative); counts of
// unsupported cases and of the two conformance levels. Version 1 reports still read.
inline constexpr int kReportFormatVersion = 2;

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
  uint64_t pass = 0, rejected = 0, missed = 0, xfail = 0, unsupported = 0;
  uint64_t bit_exact = 0, compliant = 0;           // of the passes: the conformance level reached
  std::map<std::string, uint64_t> fail_by_tier;    // "a", "b", "c"
  std::map<std::string, uint64_t> error_by_stage;  // "lower", "validate", ...
  uint64_t total() const;
  uint64_t bad() const;                 // fail + error + missed (unsupported and xfail are not)
  Counts& operator+=(const Counts& c);  // the cases of both (cells summed over a facet)
  bool operator==(const Counts&) const = default;
};

// Cases that failed the same way: the same symptom (what went wrong, without the specifics of
// one case: runner/symptom.h), or for results without one the same fingerprint.
struct FailureGroup {
  std::string key;          // the symptom (or a fingerprint)
  std::string fingerprint;  // the representative's case (its minimal case, if shrunk)
  std::string verdict, tier, stage, message, replay;
  std::string name;   // the representative's name: the smallest member (fewest multiply-adds)
  uint64_t size = 0;  // the representative's multiply-adds
  uint64_t count = 0;
  std::vector<uint64_t> indices;          // the first few case indices
  std::vector<std::string> fingerprints;  // the first members' fingerprints (xfail matching)
  nlohmann::json shared_facets = nlohmann::json::object();  // facets every member has alike
  bool known = false;  // listed as a known failure (xfail) when the report was built
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
  std::map<std::string, FailureGroup> failures;    // by key (symptom)
  std::vector<std::string> warnings;
  // Symptoms and fingerprints of known failures (an xfail file): their cases count as xfail, not
  // as fail/error/missed, in the matrix and totals. Not serialized (the groups carry `known`).
  std::set<std::string> known_failures;
  bool operator==(const Report&) const = default;
};

inline constexpr const char* kMatrixKeys[] = {"op",   "payload",   "input_dtype",
                                              "rank", "dim_order", "campaign"};

// Cases the run planned (run.json's identity) but results.jsonl does not hold; nothing when it
// holds them all or the plan is unknown.
std::optional<uint64_t> missing_cases(const Report& r);
// "PASS", "FAIL", or "INCOMPLETE (N of M cases)" (with ", FAIL" when some failed).
std::string headline(const Report& r);

// One line saying how the run was made, for people: "seed 4, cast rule drawn per case, shard 1
// of 2, 512 cases/s, 40.1 s"; a merged run says "merged from 2 shards" and gives no rate (its
// shards ran apart, on machines of their own).
std::string run_description(const Report& r);

// Adds one results.jsonl record.
void add_result(Report& r, const nlohmann::json& line);

// Streams DIR/results.jsonl into a report (a truncated last line is skipped with a warning),
// with metadata from DIR/run.json and DIR/summary.json. Throws std::runtime_error naming the
// file and line for anything else that is wrong.
// Whether an xfail key (a symptom or a fingerprint) covers a failure: equal, or with each '*'
// standing for any run of characters ("tier b: *; passes with cast rule tosa-pre44*"), so one
// entry holds one bug whatever tier check or extra diagnosis it shows up with.
bool known_key_matches(const std::string& pattern, const std::string& key);

Report build_report(const std::string& run_dir, const std::set<std::string>& known_failures = {});

nlohmann::json to_json(const Report& r);
Report report_from_json(const nlohmann::json& j);  // throws std::runtime_error
Report load_report_file(const std::string& path);

}  // namespace mxconf::reports

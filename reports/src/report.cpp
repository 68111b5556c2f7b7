#include "mxconf/reports/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::reports {
namespace {

constexpr size_t kIndicesKept = 5;         // case indices listed per failure group
constexpr size_t kFingerprintsKept = 100;  // member fingerprints kept per group

std::vector<double> log_edges(double lo_exp10, double hi_exp10) {
  std::vector<double> e = {0.0};
  for (double x = lo_exp10; x <= hi_exp10; x += 1) e.push_back(std::pow(10.0, x));
  return e;
}

Histogram frobenius_histogram() {
  return Histogram::with_edges({0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0});
}
Histogram cosine_histogram() {
  return Histogram::with_edges({-1.0, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999});
}

Report empty_report() {
  Report r;
  r.err_over_bound = Histogram::with_edges(log_edges(-9, 0));  // 0, 1e-9 .. 1 (>= 1 fails)
  r.max_ulp = Histogram::with_edges({0, 1, 2, 4, 16, 256, 65536, 16777216});
  return r;
}

std::string facet(const nlohmann::json& facets, const char* key) {
  const auto it = facets.find(key);
  if (it == facets.end()) return "?";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One result in a cell. A known failure (xfail list) counts as xfail whatever its verdict; an
// unreadable verdict counts as an error at its stage ("?" when none).
void count_outcome(Counts& c, std::optional<mxconf::Verdict> verdict, bool known,
                   const nlohmann::json& line) {
  if (known) {
    ++c.xfail;
    return;
  }
  switch (verdict.value_or(mxconf::Verdict::error)) {
    case mxconf::Verdict::pass: {
      ++c.pass;
      const auto level = mxconf::parse_level(line.value("level", ""));
      if (level == mxconf::Level::bit_exact) ++c.bit_exact;
      if (level == mxconf::Level::compliant) ++c.compliant;
      return;
    }
    case mxconf::Verdict::rejected_as_expected:
      ++c.rejected;
      return;
    case mxconf::Verdict::rejection_missed:
      ++c.missed;
      return;
    case mxconf::Verdict::unsupported:
      ++c.unsupported;
      return;
    case mxconf::Verdict::fail:
      ++c.fail_by_tier[line.value("tier", "?")];
      return;
    case mxconf::Verdict::error:
      ++c.error_by_stage[line.value("stage", "?")];
      return;
  }
}

double number_at(const nlohmann::json& j, const char* a, const char* b = nullptr) {
  const auto ia = j.find(a);
  if (ia == j.end()) return NAN;
  const nlohmann::json* v = &*ia;
  if (b) {
    const auto ib = v->find(b);
    if (ib == v->end()) return NAN;
    v = &*ib;
  }
  return v->is_number() ? v->get<double>() : NAN;
}

}  // namespace

Histogram Histogram::with_edges(std::vector<double> e) {
  Histogram h;
  h.counts.assign(e.size(), 0);
  h.edges = std::move(e);
  return h;
}

void Histogram::add(double v) {
  if (!std::isfinite(v) || edges.empty()) return;
  const auto it = std::upper_bound(edges.begin(), edges.end(), v);
  const size_t bin = it == edges.begin() ? 0 : size_t(it - edges.begin()) - 1;
  ++counts[bin];
}

Counts& Counts::operator+=(const Counts& c) {
  pass += c.pass;
  bit_exact += c.bit_exact;
  compliant += c.compliant;
  rejected += c.rejected;
  missed += c.missed;
  xfail += c.xfail;
  unsupported += c.unsupported;
  for (const auto& [k, n] : c.fail_by_tier) fail_by_tier[k] += n;
  for (const auto& [k, n] : c.error_by_stage) error_by_stage[k] += n;
  return *this;
}

uint64_t Counts::total() const {
  uint64_t n = pass + rejected + missed + xfail + unsupported;
  for (const auto& [k, v] : fail_by_tier) n += v;
  for (const auto& [k, v] : error_by_stage) n += v;
  return n;
}

bool known_key_matches(const std::string& pattern, const std::string& key) {
  // Greedy glob with backtracking to the last '*': linear in practice for short symptoms.
  size_t p = 0, k = 0, star = std::string::npos, resume = 0;
  while (k < key.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = k;
    } else if (p < pattern.size() && pattern[p] == key[k]) {
      ++p;
      ++k;
    } else if (star != std::string::npos) {
      p = star + 1;
      k = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

uint64_t Counts::bad() const {
  return total() - pass - rejected - xfail - unsupported;
}

void add_result(Report& r, const nlohmann::json& line) {
  const nlohmann::json minimal = line.value("minimal", nlohmann::json::object());
  const std::string fp = minimal.value("fingerprint", line.value("fingerprint", "?"));
  const std::string raw_verdict = line.value("verdict", "?");
  const std::optional<mxconf::Verdict> verdict = mxconf::parse_verdict(raw_verdict);
  const bool failure = !verdict || mxconf::is_failure(*verdict);
  // Older results carry no symptom: their own fingerprint groups them.
  const std::string key = line.value("symptom", fp);
  const bool known = failure && std::any_of(r.known_failures.begin(), r.known_failures.end(),
                                            [&](const std::string& k) {
                                              return known_key_matches(k, key) || k == fp;
                                            });
  const nlohmann::json facets = line.value("facets", nlohmann::json::object());
  std::string cell;
  for (const char* k : kMatrixKeys) {
    if (!cell.empty()) cell += '|';
    cell += facet(facets, k);
  }
  count_outcome(r.matrix[cell], verdict, known, line);
  count_outcome(r.totals, verdict, known, line);

  const nlohmann::json tiers = line.value("tiers", nlohmann::json::object());
  const std::string b_key(record_key(Tier::b)), c_key(record_key(Tier::c)),
      d_key(record_key(Tier::d));
  if (tiers.contains(b_key))
    r.err_over_bound.add(number_at(tiers[b_key], "dot_product", "max_err_over_bound"));
  if (tiers.contains(c_key)) {
    const nlohmann::json& c = tiers[c_key];
    r.max_ulp.add(number_at(c, "max_ulp"));
    const std::string payload = facet(facets, "payload");
    auto f = r.rel_frobenius.try_emplace(payload, frobenius_histogram()).first;
    f->second.add(number_at(c, "rel_frobenius"));
    auto cs = r.cosine.try_emplace(payload, cosine_histogram()).first;
    cs->second.add(number_at(c, "cosine"));
  }
  if (const auto d = tiers.find(d_key); d != tiers.end() && d->is_array()) {
    for (const auto& rule : *d) {
      if (rule.is_string()) ++r.scale_rules[rule.get<std::string>()];
    }
  }
  if (!failure) return;

  FailureGroup& g = r.failures[key];
  const uint64_t size = line.value("size", uint64_t{0});
  if (g.count == 0) {
    g.key = key;
    g.known = known;
    g.shared_facets = facets;
  } else {
    // Keep only what every member shares.
    for (auto it = g.shared_facets.begin(); it != g.shared_facets.end();) {
      const auto other = facets.find(it.key());
      it = (other == facets.end() || *other != it.value()) ? g.shared_facets.erase(it) : ++it;
    }
  }
  if (g.count == 0 || size < g.size) {  // the smallest member represents the group
    g.fingerprint = fp;
    g.size = size;
    g.verdict = raw_verdict;
    g.tier = line.value("tier", "");
    g.stage = line.value("stage", "");
    g.message = line.value("message", "");
    g.replay = minimal.value("replay", "");
    g.name = line.value("name", "");
  }
  ++g.count;
  if (g.indices.size() < kIndicesKept) g.indices.push_back(line.value("index", uint64_t{0}));
  if (g.fingerprints.size() < kFingerprintsKept) g.fingerprints.push_back(fp);
}

std::optional<uint64_t> missing_cases(const Report& r) {
  if (!r.metadata.contains("cases_planned")) return std::nullopt;
  const uint64_t planned = r.metadata["cases_planned"].get<uint64_t>();
  if (r.totals.total() >= planned) return std::nullopt;
  return planned - r.totals.total();
}

std::string headline(const Report& r) {
  const std::string word = r.totals.bad() == 0 ? "PASS" : "FAIL";
  if (!missing_cases(r)) return word;
  return "INCOMPLETE (" + std::to_string(r.totals.total()) + " of " +
         r.metadata["cases_planned"].dump() + " cases)" + (r.totals.bad() ? ", FAIL" : "");
}

std::string run_description(const Report& r) {
  const nlohmann::json id = r.metadata.value("identity", nlohmann::json::object());
  std::ostringstream o;
  o << "seed " << id.value("seed", nlohmann::json("?")).dump();
  if (id.contains("cast_rule")) {
    const std::string rule = id["cast_rule"].is_string() ? id["cast_rule"].get<std::string>() : "?";
    // Runs before the identity said so recorded the default rule even when cases drew theirs.
    o << ", cast rule " << (rule == "per-case" ? "drawn per case" : rule);
  }
  const nlohmann::json shard = id.value("shard", nlohmann::json::object());
  const size_t merged = r.metadata.value("merged_from", nlohmann::json::array()).size();
  if (merged > 0) {
    o << ", merged from " << merged << " shards";
  } else {
    const uint64_t count = shard.value("count", uint64_t{1});
    if (count > 1) o << ", shard " << shard.value("index", uint64_t{1}) << " of " << count;
    char rate[64];
    std::snprintf(rate, sizeof rate, ", %.0f cases/s, %.1f s",
                  r.metadata.value("cases_per_second", 0.0), r.metadata.value("seconds", 0.0));
    o << rate;
  }
  return o.str();
}

Report build_report(const std::string& run_dir, const std::set<std::string>& known_failures) {
  const std::string results = run_dir + "/results.jsonl";
  std::ifstream in(results, std::ios::binary);
  if (!in)
    throw std::runtime_error(results + ": cannot open (is " + run_dir + " a run directory?)");
  Report r = empty_report();
  r.known_failures = known_failures;
  std::string line;
  uint64_t n = 0, repeated = 0;
  std::set<uint64_t> seen;  // case indexes: a case written twice is counted once
  while (std::getline(in, line)) {
    ++n;
    if (in.eof()) {  // no newline: the run was cut off while writing this line
      r.warnings.push_back(results + ": line " + std::to_string(n) +
                           " is incomplete (interrupted run?) and was skipped");
      break;
    }
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("verdict")) {
      throw std::runtime_error(results + ": line " + std::to_string(n) + " is not a result record");
    }
    try {
      if (j.contains("index") && !seen.insert(j.at("index").get<uint64_t>()).second) {
        if (repeated++ == 0)
          r.warnings.push_back(results + ": line " + std::to_string(n) + " repeats case " +
                               j.at("index").dump() + " (each case is counted once)");
        continue;
      }
      add_result(r, j);
    } catch (const nlohmann::json::exception& e) {
      // A field of the wrong type: say where, not just what the JSON library saw.
      throw std::runtime_error(results + ": line " + std::to_string(n) +
                               " is not a result record (" + e.what() + ")");
    }
  }
  if (repeated > 1)
    r.warnings.push_back(results + ": " + std::to_string(repeated) + " lines repeat a case");
  auto read_json = [&](const std::string& name) {
    std::ifstream f(run_dir + "/" + name);
    if (!f) return nlohmann::json::object();
    const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw std::runtime_error(run_dir + "/" + name + ": not valid JSON");
    return j;
  };
  const nlohmann::json run = read_json("run.json");
  const nlohmann::json summary = read_json("summary.json");
  if (!run.contains("identity"))
    r.warnings.push_back(run_dir + "/run.json: missing; no run identity");
  r.metadata = {{"run_dir", run_dir},
                {"identity", run.value("identity", nlohmann::json::object())},
                {"provenance", run.value("provenance", nlohmann::json::object())},
                {"cases", r.totals.total()},
                {"seconds", summary.value("seconds", 0.0)},
                {"cases_per_second", summary.value("cases_per_second", 0.0)},
                {"ended_at", summary.value("ended_at", "")},
                {"complete", summary.value("complete", false)}};
  if (run.contains("merged_from")) r.metadata["merged_from"] = run["merged_from"];
  // How many cases the run planned (its identity: cases and shard), so an interrupted run is
  // reported as INCOMPLETE, never as a pass of the cases it happened to finish.
  const nlohmann::json id = run.value("identity", nlohmann::json::object());
  if (id.contains("cases") && id["cases"].is_number_unsigned()) {
    const uint64_t cases = id["cases"].get<uint64_t>();
    const nlohmann::json shard = id.value("shard", nlohmann::json::object());
    const uint64_t count = shard.value("count", uint64_t{1}),
                   index = shard.value("index", uint64_t{1});
    uint64_t planned = cases;
    if (count > 1 && index >= 1 && index <= count)
      planned = cases / count + (cases % count >= index ? 1 : 0);
    r.metadata["cases_planned"] = planned;
    r.metadata["complete"] = r.totals.total() >= planned;
  }
  return r;
}

}  // namespace mxconf::reports

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>

#include "mxconf/reports/merge_diff.h"

namespace mxconf::reports {

std::vector<KnownFailure> load_xfail_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("known_failures") ||
      !j["known_failures"].is_array())
    throw std::runtime_error(path + ": expected {\"known_failures\": [...]}");
  std::vector<KnownFailure> out;
  size_t i = 0;
  for (const auto& e : j["known_failures"]) {
    const std::string where = path + ": known_failures[" + std::to_string(i++) + "]";
    const char* key = e.is_object() && e.contains("symptom") ? "symptom" : "fingerprint";
    if (!e.is_object() || !e.contains(key) || !e.contains("reason") || !e.contains("link") ||
        !e[key].is_string() || !e["reason"].is_string() || !e["link"].is_string())
      throw std::runtime_error(where +
                               " needs string fields symptom (or fingerprint), reason and link");
    out.push_back(
        {e[key].get<std::string>(), e["reason"].get<std::string>(), e["link"].get<std::string>()});
  }
  return out;
}

bool Diff::ok() const {
  for (const DiffEntry& e : entries) {
    if (e.cls == "new" || e.cls == "unexpected-pass") return false;
  }
  return true;
}

nlohmann::json Diff::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, uint64_t> counts;
  for (const DiffEntry& e : entries) {
    ++counts[e.cls];
    list.push_back({{"symptom", e.key},
                    {"class", e.cls},
                    {"message", e.message},
                    {"replay", e.replay},
                    {"reason", e.reason}});
  }
  return {{"mxconf_diff", 1}, {"ok", ok()}, {"counts", counts}, {"entries", list}};
}

namespace {

// The xfail entry a group matches: by its symptom (a pattern), or by one of its members'
// fingerprints.
const KnownFailure* known_entry(const FailureGroup& g, const std::vector<KnownFailure>& xfail) {
  for (const KnownFailure& k : xfail) {
    if (known_key_matches(k.key, g.key) || k.key == g.fingerprint ||
        std::find(g.fingerprints.begin(), g.fingerprints.end(), k.key) != g.fingerprints.end())
      return &k;
  }
  return nullptr;
}

}  // namespace

Diff diff_reports(const Report& baseline, const Report& current,
                  const std::vector<KnownFailure>& xfail) {
  Diff d;
  std::set<const KnownFailure*> matched;
  for (const auto& [key, g] : current.failures) {
    const KnownFailure* k = known_entry(g, xfail);
    if (k) matched.insert(k);
    const std::string cls = k                                  ? "xfail"
                            : baseline.failures.count(key) > 0 ? "still-failing"
                                                               : "new";
    d.entries.push_back({key, cls, g.message, g.replay, k ? k->reason : ""});
  }
  for (const auto& [key, g] : baseline.failures) {
    if (current.failures.count(key) == 0 && !known_entry(g, xfail))
      d.entries.push_back({key, "fixed", g.message, g.replay, ""});
  }
  for (const KnownFailure& k : xfail) {
    if (!matched.count(&k))
      d.entries.push_back({k.key, "unexpected-pass", "", "", k.reason + " (" + k.link + ")"});
  }
  return d;
}

}  // namespace mxconf::reports

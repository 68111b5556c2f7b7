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
    if (!e.is_object() || !e.contains("fingerprint") || !e.contains("reason") ||
        !e.contains("link") || !e["fingerprint"].is_string() || !e["reason"].is_string() ||
        !e["link"].is_string())
      throw std::runtime_error(where + " needs string fields fingerprint, reason and link");
    out.push_back({e["fingerprint"].get<std::string>(), e["reason"].get<std::string>(),
                   e["link"].get<std::string>()});
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
    list.push_back({{"fingerprint", e.fingerprint},
                    {"class", e.cls},
                    {"message", e.message},
                    {"replay", e.replay},
                    {"reason", e.reason}});
  }
  return {{"mxconf_diff", 1}, {"ok", ok()}, {"counts", counts}, {"entries", list}};
}

Diff diff_reports(const Report& baseline, const Report& current,
                  const std::vector<KnownFailure>& xfail) {
  std::map<std::string, const KnownFailure*> known;
  for (const KnownFailure& k : xfail) known[k.fingerprint] = &k;
  Diff d;
  for (const auto& [fp, g] : current.failures) {
    const auto k = known.find(fp);
    const std::string cls = k != known.end()                  ? "xfail"
                            : baseline.failures.count(fp) > 0 ? "still-failing"
                                                              : "new";
    d.entries.push_back({fp, cls, g.message, g.replay, k != known.end() ? k->second->reason : ""});
  }
  for (const auto& [fp, g] : baseline.failures) {
    if (current.failures.count(fp) == 0 && known.count(fp) == 0)
      d.entries.push_back({fp, "fixed", g.message, g.replay, ""});
  }
  for (const KnownFailure& k : xfail) {
    if (current.failures.count(k.fingerprint) == 0)
      d.entries.push_back(
          {k.fingerprint, "unexpected-pass", "", "", k.reason + " (" + k.link + ")"});
  }
  return d;
}

}  // namespace mxconf::reports

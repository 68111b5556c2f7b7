// The JSON form of a report: the source of truth the other writers and `report diff` read.
#include <fstream>
#include <stdexcept>

#include "mxconf/reports/report.h"

namespace mxconf::reports {
namespace {

nlohmann::json counts_json(const Counts& c) {
  return {{"pass", c.pass},
          {"bit_exact", c.bit_exact},
          {"compliant", c.compliant},
          {"rejected_as_expected", c.rejected},
          {"rejection_missed", c.missed},
          {"unsupported", c.unsupported},
          {"xfail", c.xfail},
          {"fail", c.fail_by_tier},
          {"error", c.error_by_stage},
          {"total", c.total()}};
}

Counts counts_from(const nlohmann::json& j) {
  Counts c;
  c.pass = j.at("pass").get<uint64_t>();
  c.rejected = j.at("rejected_as_expected").get<uint64_t>();
  c.missed = j.at("rejection_missed").get<uint64_t>();
  c.xfail = j.at("xfail").get<uint64_t>();
  c.unsupported = j.value("unsupported", uint64_t{0});  // absent in version 1
  c.bit_exact = j.value("bit_exact", uint64_t{0});
  c.compliant = j.value("compliant", uint64_t{0});
  c.fail_by_tier = j.at("fail").get<std::map<std::string, uint64_t>>();
  c.error_by_stage = j.at("error").get<std::map<std::string, uint64_t>>();
  if (c.total() != j.at("total").get<uint64_t>())
    throw std::runtime_error("counts: total disagrees");
  return c;
}

nlohmann::json histogram_json(const Histogram& h) {
  return {{"edges", h.edges}, {"counts", h.counts}};
}

Histogram histogram_from(const nlohmann::json& j) {
  Histogram h;
  h.edges = j.at("edges").get<std::vector<double>>();
  h.counts = j.at("counts").get<std::vector<uint64_t>>();
  if (h.edges.size() != h.counts.size()) throw std::runtime_error("histogram: edges != counts");
  return h;
}

template <typename T, typename F>
nlohmann::json map_json(const std::map<std::string, T>& m, F f) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : m) o[k] = f(v);
  return o;
}

}  // namespace

nlohmann::json to_json(const Report& r) {
  nlohmann::json matrix = nlohmann::json::array();
  for (const auto& [key, c] : r.matrix) {
    nlohmann::json cell = counts_json(c);
    size_t start = 0;
    for (const char* k : kMatrixKeys) {
      const size_t bar = key.find('|', start);
      cell[k] = key.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      start = bar == std::string::npos ? key.size() : bar + 1;
    }
    matrix.push_back(std::move(cell));
  }
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& [key, g] : r.failures) {
    failures.push_back({{"symptom", g.key},
                        {"fingerprint", g.fingerprint},
                        {"size", g.size},
                        {"fingerprints", g.fingerprints},
                        {"shared_facets", g.shared_facets},
                        {"verdict", g.verdict},
                        {"tier", g.tier},
                        {"stage", g.stage},
                        {"message", g.message},
                        {"replay", g.replay},
                        {"name", g.name},
                        {"count", g.count},
                        {"indices", g.indices},
                        {"known", g.known}});
  }
  return {{"mxconf_report", kReportFormatVersion},
          {"metadata", r.metadata},
          {"totals", counts_json(r.totals)},
          {"matrix", matrix},
          {"statistics",
           {{"err_over_bound", histogram_json(r.err_over_bound)},
            {"max_ulp", histogram_json(r.max_ulp)},
            {"rel_frobenius", map_json(r.rel_frobenius, histogram_json)},
            {"cosine", map_json(r.cosine, histogram_json)},
            {"scale_rules", r.scale_rules}}},
          {"failures", failures},
          {"warnings", r.warnings}};
}

Report report_from_json(const nlohmann::json& j) {
  try {
    const int version = j.at("mxconf_report").get<int>();
    if (version != kReportFormatVersion && version != 1)
      throw std::runtime_error("unsupported mxconf_report version " + std::to_string(version));
    Report r;
    r.metadata = j.at("metadata");
    r.totals = counts_from(j.at("totals"));
    for (const auto& cell : j.at("matrix")) {
      std::string key;
      for (const char* k : kMatrixKeys) {
        if (!key.empty()) key += '|';
        key += cell.at(k).get<std::string>();
      }
      r.matrix[key] = counts_from(cell);
    }
    const auto& s = j.at("statistics");
    r.err_over_bound = histogram_from(s.at("err_over_bound"));
    r.max_ulp = histogram_from(s.at("max_ulp"));
    for (const auto& [k, v] : s.at("rel_frobenius").items()) r.rel_frobenius[k] = histogram_from(v);
    for (const auto& [k, v] : s.at("cosine").items()) r.cosine[k] = histogram_from(v);
    r.scale_rules = s.at("scale_rules").get<std::map<std::string, uint64_t>>();
    for (const auto& f : j.at("failures")) {
      FailureGroup g;
      g.fingerprint = f.at("fingerprint").get<std::string>();
      g.key = f.value("symptom", g.fingerprint);  // version 1 grouped by fingerprint
      g.size = f.value("size", uint64_t{0});
      g.fingerprints = f.value("fingerprints", std::vector<std::string>{g.fingerprint});
      g.shared_facets = f.value("shared_facets", nlohmann::json::object());
      g.verdict = f.at("verdict").get<std::string>();
      g.tier = f.at("tier").get<std::string>();
      g.stage = f.at("stage").get<std::string>();
      g.message = f.at("message").get<std::string>();
      g.replay = f.at("replay").get<std::string>();
      g.name = f.at("name").get<std::string>();
      g.count = f.at("count").get<uint64_t>();
      g.indices = f.at("indices").get<std::vector<uint64_t>>();
      g.known = f.at("known").get<bool>();
      if (g.known) r.known_failures.insert(g.key);
      r.failures[g.key] = std::move(g);
    }
    r.warnings = j.at("warnings").get<std::vector<std::string>>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not an mxconf report: ") + e.what());
  }
}

Report load_report_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path + ": not valid JSON");
  try {
    return report_from_json(j);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace mxconf::reports

#include <sstream>

#include "mxconf/reports/writers.h"

namespace mxconf::reports {
namespace {

std::string fails(const Counts& c) {
  std::string s;
  for (const auto& [tier, n] : c.fail_by_tier) s += std::to_string(n) + " (" + tier + ") ";
  return s.empty() ? "0" : s;
}

std::string errors(const Counts& c) {
  std::string s;
  for (const auto& [stage, n] : c.error_by_stage) s += std::to_string(n) + " (" + stage + ") ";
  return s.empty() ? "0" : s;
}

// "payload=fp4e2m1, campaign=uniform" (the facets every member of a group has alike).
std::string shared(const nlohmann::json& facets) {
  std::string s;
  for (const auto& [k, v] : facets.items())
    s += (s.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return s.empty() ? "-" : s;
}

std::string md_cell(std::string s) {  // a table cell: no pipes or newlines
  for (char& ch : s) {
    if (ch == '|' || ch == '\n') ch = ' ';
  }
  return s;
}

}  // namespace

std::string write_markdown(const Report& r) {
  std::ostringstream o;
  const auto& id = r.metadata.value("identity", nlohmann::json::object());
  const auto& pv = r.metadata.value("provenance", nlohmann::json::object());
  const Counts& t = r.totals;
  o << "# mxconf conformance report\n\n"
    << "**" << headline(r) << "**: " << t.total() << " cases, " << t.pass << " pass ("
    << t.bit_exact << " bit-exact, " << t.compliant << " compliant), " << t.rejected
    << " rejected as expected, fail " << fails(t) << ", error " << errors(t)
    << ", rejection missed " << t.missed << ", unsupported " << t.unsupported << ", xfail "
    << t.xfail << ".\n\n"
    << "- mxconf " << pv.value("mxconf_version", "?") << " (" << pv.value("git_commit", "?")
    << "), spec revision " << pv.value("spec_revision", "?") << "\n"
    << "- " << run_description(r) << "\n\n";
  for (const auto& w : r.warnings) o << "> warning: " << w << "\n";
  if (!r.warnings.empty()) o << "\n";
  o << "## Failures by symptom (" << r.failures.size() << ")\n\n";
  if (r.failures.empty())
    o << "None.\n\n";
  else {
    o << "| symptom | verdict | cases | facets they share | representative (smallest) | replay "
         "|\n|---|---|---|---|---|---|\n";
    for (const auto& [key, g] : r.failures) {
      o << "| " << md_cell(key) << " | " << g.verdict << (g.known ? " (known)" : "") << " | "
        << g.count << " | " << md_cell(shared(g.shared_facets)) << " | " << md_cell(g.name)
        << " | `" << md_cell(g.replay) << "` |\n";
    }
    o << "\n";
  }
  o << "## Matrix cells with problems\n\n";
  size_t shown = 0;
  for (const auto& [key, c] : r.matrix) {
    if (c.bad() == 0) continue;
    if (shown++ == 0)
      o << "| op / payload / input / rank / dim order / campaign | cases | fail | error | missed "
           "| unsupported |\n|---|---|---|---|---|---|\n";
    o << "| " << md_cell(key) << " | " << c.total() << " | " << fails(c) << " | " << errors(c)
      << " | " << c.missed << " | " << c.unsupported << " |\n";
  }
  if (shown == 0) o << "None: all " << r.matrix.size() << " cells pass.\n";
  o << "\n## Scale rules the observed CAST scales match (tier d)\n\n";
  for (const auto& [rule, n] : r.scale_rules) o << "- " << rule << ": " << n << " cases\n";
  return o.str();
}

}  // namespace mxconf::reports

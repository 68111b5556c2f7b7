#include <map>
#include <sstream>

#include "mxconf/reports/pairs.h"
#include "mxconf/reports/writers.h"

namespace mxconf::reports {
namespace {

// A matrix cell key's value for one facet ("op|payload|input_dtype|rank|dim_order|campaign").
std::string facet_of(const std::string& key, const char* facet) {
  size_t start = 0;
  for (const char* k : kMatrixKeys) {
    const size_t bar = key.find('|', start);
    if (std::string(k) == facet)
      return key.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    start = bar == std::string::npos ? key.size() : bar + 1;
  }
  return "?";
}

// One facet's table: per pair, facet value -> counts; and every value some pair has, sorted.
struct FacetTable {
  std::vector<std::map<std::string, Counts>> columns;
  std::map<std::string, bool> values;
};

FacetTable facet_table(const std::vector<NamedReport>& pairs, const char* facet) {
  FacetTable t;
  for (const auto& [name, r] : pairs) {
    std::map<std::string, Counts>& col = t.columns.emplace_back();
    for (const auto& [key, c] : r.matrix) col[facet_of(key, facet)] += c;
    for (const auto& [v, c] : col) t.values[v] = true;
  }
  return t;
}

std::string md_cell(std::string s) {
  for (char& ch : s) {
    if (ch == '|' || ch == '\n') ch = ' ';
  }
  return s;
}

}  // namespace

std::string outcome_text(const Counts& c) {
  std::ostringstream o;
  o << c.bit_exact << " bit-exact";
  if (c.compliant) o << ", " << c.compliant << " compliant";
  if (c.pass > c.bit_exact + c.compliant)
    o << ", " << c.pass - c.bit_exact - c.compliant << " pass";
  if (c.rejected) o << ", " << c.rejected << " rejected";
  for (const auto& [tier, n] : c.fail_by_tier) o << "; fail " << tier << ": " << n;
  if (c.missed) o << "; missed: " << c.missed;
  for (const auto& [stage, n] : c.error_by_stage) o << "; error " << stage << ": " << n;
  if (c.unsupported) o << "; unsupported: " << c.unsupported;
  if (c.xfail) o << "; xfail: " << c.xfail;
  return o.str();
}

std::string write_pairs_markdown(const std::vector<NamedReport>& pairs) {
  std::ostringstream o;
  o << "# mxconf conformance matrix\n\nLowering + runtime pairs side by side. A pass is "
       "**bit-exact** (the spec pseudocode's fp32 order) or only **compliant** (within TOSA's "
       "bounds).\n\n| pair | cases | outcome | symptoms |\n|---|---|---|---|\n";
  for (const auto& [name, r] : pairs)
    o << "| " << name << " | " << r.totals.total() << " | " << md_cell(outcome_text(r.totals))
      << " | " << r.failures.size() << " |\n";
  for (const auto& [facet, heading] : kPairFacets) {
    const auto [cols, values] = facet_table(pairs, facet);
    o << "\n## By " << heading << "\n\n| " << heading;
    for (const auto& [name, r] : pairs) o << " | " << name;
    o << " |\n|---";
    for (size_t i = 0; i < pairs.size(); ++i) o << "|---";
    o << "|\n";
    for (const auto& [v, unused] : values) {
      o << "| " << md_cell(v);
      for (const auto& col : cols) {
        const auto it = col.find(v);
        o << " | " << (it == col.end() ? "-" : md_cell(outcome_text(it->second)));
      }
      o << " |\n";
    }
  }
  o << "\n## Failure symptoms\n";
  for (const auto& [name, r] : pairs) {
    o << "\n### " << name << "\n\n";
    if (r.failures.empty()) {
      o << "None.\n";
      continue;
    }
    o << "| symptom | cases | known | representative replay |\n|---|---|---|---|\n";
    for (const auto& [key, g] : r.failures)
      o << "| " << md_cell(key) << " | " << g.count << " | " << (g.known ? "xfail" : "") << " | `"
        << md_cell(g.replay) << "` |\n";
  }
  return o.str();
}

std::string write_pairs_html(const std::vector<NamedReport>& pairs) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mxconf "
       "conformance matrix</title><style>body{font-family:sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
       "font-size:13px;vertical-align:top}th{background:#f4f4f4}.bad{background:#fde2e1}"
       ".ok{background:#e6f4ea}.soft{background:#fff4d6}</style></head><body>\n"
       "<h1>mxconf conformance matrix</h1>\n<table><tr><th>pair</th><th>cases</th>"
       "<th>outcome</th><th>symptoms</th></tr>\n";
  auto css = [](const Counts& c) {
    return c.bad() ? "bad" : (c.compliant || c.unsupported) ? "soft" : "ok";
  };
  for (const auto& [name, r] : pairs) {
    o << "<tr><td>" << escape_xml(name) << "</td><td>" << r.totals.total() << "</td><td class=\""
      << css(r.totals) << "\">" << escape_xml(outcome_text(r.totals)) << "</td><td>"
      << r.failures.size() << "</td></tr>\n";
  }
  o << "</table>\n";
  for (const auto& [facet, heading] : kPairFacets) {
    const auto [cols, values] = facet_table(pairs, facet);
    o << "<h2>By " << escape_xml(heading) << "</h2>\n<table><tr><th>" << escape_xml(heading)
      << "</th>";
    for (const auto& [name, r] : pairs) o << "<th>" << escape_xml(name) << "</th>";
    o << "</tr>\n";
    for (const auto& [v, unused] : values) {
      o << "<tr><td>" << escape_xml(v) << "</td>";
      for (const auto& col : cols) {
        const auto it = col.find(v);
        if (it == col.end()) {
          o << "<td>-</td>";
        } else {
          o << "<td class=\"" << css(it->second) << "\">" << escape_xml(outcome_text(it->second))
            << "</td>";
        }
      }
      o << "</tr>\n";
    }
    o << "</table>\n";
  }
  o << "<h2>Failure symptoms</h2>\n";
  for (const auto& [name, r] : pairs) {
    o << "<h3>" << escape_xml(name) << "</h3>\n";
    if (r.failures.empty()) {
      o << "<p>None.</p>\n";
      continue;
    }
    o << "<table><tr><th>symptom</th><th>cases</th><th>known</th><th>representative "
         "replay</th></tr>\n";
    for (const auto& [key, g] : r.failures)
      o << "<tr><td>" << escape_xml(key) << "</td><td>" << g.count << "</td><td>"
        << (g.known ? "xfail" : "") << "</td><td><code>" << escape_xml(g.replay)
        << "</code></td></tr>\n";
    o << "</table>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace mxconf::reports

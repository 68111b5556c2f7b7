// One self-contained HTML page: inline CSS and SVG only, no scripts, no external assets.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

#include "mxconf/reports/writers.h"

namespace mxconf::reports {
namespace {

std::string fmt_edge(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// A bar chart of a histogram as inline SVG, with a y-axis of case counts (0, half the peak, the
// peak) and the bins' lower edges under the bars.
std::string svg_histogram(const std::string& title, const Histogram& h) {
  const int w = 400, bar_h = 120, top = 12, left = 44, right = 8;
  const uint64_t peak = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
  const double bw = h.counts.empty() ? 0 : double(w - left - right) / double(h.counts.size());
  std::ostringstream o;
  o << "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\""
    << bar_h + top + 40 << "\" role=\"img\" aria-label=\"" << escape_xml(title) << "\">";
  // The y-axis: a line, three ticks with their counts, and its unit.
  o << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << top + bar_h
    << "\" stroke=\"#555\"/>";
  for (const uint64_t tick : {uint64_t{0}, peak / 2, peak}) {
    if (tick == 0 && peak == 0) continue;
    const double y = top + bar_h - (peak ? double(tick) / double(peak) * bar_h : 0);
    o << "<line x1=\"" << left - 4 << "\" y1=\"" << y << "\" x2=\"" << left << "\" y2=\"" << y
      << "\" stroke=\"#555\"/><text x=\"" << left - 6 << "\" y=\"" << y + 3
      << "\" font-size=\"9\" text-anchor=\"end\">" << tick << "</text>";
  }
  o << "<text x=\"10\" y=\"" << top + bar_h / 2 << "\" font-size=\"9\" transform=\"rotate(-90 10 "
    << top + bar_h / 2 << ")\" text-anchor=\"middle\">cases</text>";
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const double frac = peak ? double(h.counts[i]) / double(peak) : 0;
    const double bh = std::max(frac * bar_h, h.counts[i] ? 1.0 : 0.0);
    const double x = left + double(i) * bw;
    o << "<rect x=\"" << x + 1 << "\" y=\"" << top + bar_h - bh << "\" width=\""
      << std::max(bw - 2, 1.0) << "\" height=\"" << bh << "\" fill=\"#4a78b5\"><title>["
      << fmt_edge(h.edges[i]) << ", " << (i + 1 < h.edges.size() ? fmt_edge(h.edges[i + 1]) : "inf")
      << "): " << h.counts[i] << " cases</title></rect>";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << top + bar_h + 14
      << "\" font-size=\"9\" text-anchor=\"middle\">" << fmt_edge(h.edges[i]) << "</text>";
  }
  o << "</svg><figcaption>" << escape_xml(title) << " ("
    << std::accumulate(h.counts.begin(), h.counts.end(), uint64_t{0})
    << " cases)</figcaption></figure>";
  return o.str();
}

// Colour from the share of bad cases: green at 0, red at 1; grey when the cell is empty.
std::string heat(uint64_t bad, uint64_t total) {
  if (total == 0) return "#eeeeee";
  const double f = double(bad) / double(total);
  const int red = int(120 + 135 * f), green = int(200 - 140 * f);
  std::ostringstream o;
  o << "rgb(" << (bad ? red : 160) << "," << green << ",120)";
  return o.str();
}

// One heat-map cell: good of total, coloured by the share of bad cases; cells with known
// failures (xfail) are amber and say so, so they never look like passes.
std::string cell(const Counts& c) {
  const uint64_t total = c.total(), bad = c.bad();
  std::ostringstream o;
  const std::string colour = c.xfail && !bad ? "#f3d37a" : heat(bad, total);
  o << "<td style=\"background:" << colour << "\" title=\"" << bad << " bad, " << c.xfail
    << " xfail, " << c.unsupported << " unsupported of " << total << "\">";
  if (total) o << total - bad - c.xfail << "/" << total;
  if (c.xfail) o << " <span class=\"xf\">+" << c.xfail << " xfail</span>";
  o << "</td>";
  return o.str();
}

// A heat map of `rows` x `columns` from cells keyed by (row, column).
void heat_table(std::ostringstream& o, const std::string& corner, const std::set<std::string>& rows,
                const std::set<std::string>& columns,
                const std::map<std::pair<std::string, std::string>, Counts>& cells) {
  o << "<table class=\"heat\"><tr><th>" << escape_xml(corner) << "</th>";
  for (const auto& c : columns) o << "<th>" << escape_xml(c) << "</th>";
  o << "</tr>\n";
  for (const auto& row : rows) {
    o << "<tr><th>" << escape_xml(row) << "</th>";
    for (const auto& c : columns) {
      const auto it = cells.find({row, c});
      o << cell(it == cells.end() ? Counts{} : it->second);
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
}

// The facets a failure group's cases share, as "key=value" words that wrap.
std::string facet_words(const nlohmann::json& facets) {
  std::string s;
  for (const auto& [k, v] : facets.items()) {
    if (!s.empty()) s += ' ';
    s += k;
    s += '=';
    s += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return s;
}

std::string field(const std::string& key, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) start = key.find('|', start) + 1;
  const size_t end = key.find('|', start);
  return key.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

std::string write_html(const Report& r) {
  // Heat maps: one per operator (payload x campaign, valid cases), and the ERROR_IF rules
  // (rule x payload, invalid cases); the full matrix is in JSON.
  std::map<std::string, std::map<std::pair<std::string, std::string>, Counts>> by_op;
  std::map<std::string, std::set<std::string>> op_payloads, op_campaigns;
  std::map<std::pair<std::string, std::string>, Counts> error_if;
  std::set<std::string> rules, rule_payloads;
  for (const auto& [key, c] : r.matrix) {
    const std::string op = field(key, 0), p = field(key, 1), camp = field(key, 5);
    if (op.rfind("ERROR_IF:", 0) == 0) {
      const std::string rule = op.substr(9);
      rules.insert(rule);
      rule_payloads.insert(p);
      error_if[{rule, p}] += c;
      continue;
    }
    op_payloads[op].insert(p);
    op_campaigns[op].insert(camp);
    by_op[op][{p, camp}] += c;
  }
  const Counts& t = r.totals;
  const auto& pv = r.metadata.value("provenance", nlohmann::json::object());
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>mxconf conformance report</title><style>"
    << "body{font-family:sans-serif;margin:2em;color:#222;max-width:1600px}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
       "font-size:13px;vertical-align:top}th{background:#f4f4f4}.heat td{text-align:center;"
       "white-space:nowrap}code{font-size:12px}.failures{table-layout:fixed;width:100%}"
       ".failures td{overflow-wrap:anywhere;word-break:break-word}"
       "figure{display:inline-block;margin:0 1em 1em 0}.pass{color:#1a7f37}.fail{color:#b42318}"
       ".xf{color:#7a5200;font-size:11px}.note{color:#555;max-width:60em}"
    << "</style></head><body>\n<h1>mxconf conformance report</h1>\n<p class=\""
    << (t.bad() || missing_cases(r) ? "fail" : "pass") << "\"><strong>" << escape_xml(headline(r))
    << "</strong>: " << t.total() << " cases, " << t.pass << " pass (" << t.bit_exact
    << " bit-exact, " << t.compliant << " compliant), " << t.rejected << " rejected as expected, "
    << t.bad() << " failing, " << t.unsupported << " unsupported, " << t.xfail
    << " xfail (known failures).</p>\n<p>mxconf " << escape_xml(pv.value("mxconf_version", "?"))
    << " (" << escape_xml(pv.value("git_commit", "?")) << "), spec revision "
    << escape_xml(pv.value("spec_revision", "?")) << "; " << escape_xml(run_description(r))
    << "</p>\n<details><summary>run identity</summary><code>"
    << escape_xml(r.metadata.value("identity", nlohmann::json::object()).dump())
    << "</code></details>\n";
  for (const auto& w : r.warnings) o << "<p class=\"fail\">warning: " << escape_xml(w) << "</p>\n";

  o << "<p class=\"note\">Cells: good/total; red for failures, amber for known failures (xfail, "
       "counted apart), grey when empty.</p>\n";
  for (const auto& [op, cells] : by_op) {
    o << "<h2>Matrix: " << escape_xml(op) << ", payload &times; campaign</h2>\n";
    heat_table(o, "payload", op_payloads[op], op_campaigns[op], cells);
  }
  if (!rules.empty()) {
    o << "<h2>Matrix: ERROR_IF rules &times; payload</h2>\n<p class=\"note\">Invalid cases: "
         "good means rejected as expected.</p>\n";
    heat_table(o, "rule", rules, rule_payloads, error_if);
  }
  o << "<h2>Error distributions</h2>\n"
    << svg_histogram("tier (b): max |err| / DOT_PRODUCT bound", r.err_over_bound)
    << svg_histogram("tier (c): max ULP distance to the fp32 model", r.max_ulp);
  for (const auto& [p, h] : r.rel_frobenius) o << svg_histogram("relative Frobenius, " + p, h);
  for (const auto& [p, h] : r.cosine) o << svg_histogram("cosine, " + p, h);
  o << "\n<h2>Scale-rule classification (tier d)</h2>\n";
  if (r.scale_rules.empty()) {
    o << "<p class=\"note\">No case was classified. Tier (d) names the scale rule that "
         "reproduces the E8M0 scales a runtime's CAST_TO_BLOCK_SCALED produced; an external "
         "runtime (<code>--sut-exec</code>) hands back only the graph's output, so its scales are "
         "not seen. Its cast rule still shows in tiers (a) and (b): a failure that passes under "
         "another rule says so in its symptom (\"passes with cast rule ...\"). To classify a "
         "runtime's casts directly, run <code>mxconf quantize</code>'s campaign against it "
         "(docs/formats.md).</p>\n";
  } else {
    o << "<table><tr><th>rule</th><th>cases whose CAST scales it reproduces</th></tr>";
    for (const auto& [rule, n] : r.scale_rules)
      o << "<tr><td>" << escape_xml(rule) << "</td><td>" << n << "</td></tr>";
    o << "</table>\n";
  }
  o << "<h2>Failures by symptom (" << r.failures.size() << ")</h2>\n";
  if (r.failures.empty()) {
    o << "<p>None.</p>\n";
  } else {
    o << "<table class=\"failures\"><colgroup><col style=\"width:16%\"/><col style=\"width:7%\"/>"
         "<col style=\"width:4%\"/><col style=\"width:16%\"/><col style=\"width:15%\"/>"
         "<col style=\"width:22%\"/><col style=\"width:20%\"/></colgroup><tr><th>symptom</th>"
         "<th>verdict</th><th>cases</th><th>facets they share</th><th>representative "
         "(smallest)</th><th>message</th><th>replay</th></tr>\n";
    for (const auto& [key, g] : r.failures) {
      o << "<tr id=\"f-" << escape_xml(g.fingerprint) << "\"" << (g.known ? " class=\"known\"" : "")
        << "><td>" << escape_xml(key) << "</td><td>" << escape_xml(g.verdict)
        << (g.known ? " <span class=\"xf\">(known: xfail)</span>" : "") << "</td><td>" << g.count
        << "</td><td><code>" << escape_xml(facet_words(g.shared_facets)) << "</code></td><td>"
        << escape_xml(g.name) << "</td><td>" << escape_xml(g.message) << "</td><td><code>"
        << escape_xml(g.replay) << "</code></td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace mxconf::reports

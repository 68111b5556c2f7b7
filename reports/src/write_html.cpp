// One self-contained HTML page: inline CSS and SVG only, no scripts, no external assets.
#include <algorithm>
#include <cmath>
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

// A bar chart of a histogram as inline SVG.
std::string svg_histogram(const std::string& title, const Histogram& h) {
  const int w = 360, bar_h = 120, top = 20, left = 8;
  const uint64_t peak = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
  const double bw = h.counts.empty() ? 0 : double(w - 2 * left) / double(h.counts.size());
  std::ostringstream o;
  o << "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\""
    << bar_h + top + 40 << "\" role=\"img\" aria-label=\"" << escape_xml(title) << "\">";
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const double frac = peak ? double(h.counts[i]) / double(peak) : 0;
    const double bh = std::max(frac * bar_h, h.counts[i] ? 1.0 : 0.0);
    const double x = left + double(i) * bw;
    o << "<rect x=\"" << x + 1 << "\" y=\"" << top + bar_h - bh << "\" width=\""
      << std::max(bw - 2, 1.0) << "\" height=\"" << bh << "\" fill=\"#4a78b5\"><title>["
      << fmt_edge(h.edges[i]) << ", " << (i + 1 < h.edges.size() ? fmt_edge(h.edges[i + 1]) : "inf")
      << "): " << h.counts[i] << "</title></rect>";
    o << "<text x=\"" << x + bw / 2 << "\" y=\"" << top + bar_h + 14
      << "\" font-size=\"9\" text-anchor=\"middle\">" << fmt_edge(h.edges[i]) << "</text>";
  }
  o << "</svg><figcaption>" << escape_xml(title) << " (peak " << peak << ")</figcaption></figure>";
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

std::string field(const std::string& key, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) start = key.find('|', start) + 1;
  const size_t end = key.find('|', start);
  return key.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

std::string write_html(const Report& r) {
  // Heat map: payload (rows) x campaign (columns), valid cases; the full matrix is in JSON.
  std::set<std::string> payloads, campaigns;
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> cells;
  for (const auto& [key, c] : r.matrix) {
    const std::string p = field(key, 1), camp = field(key, 5);
    payloads.insert(p);
    campaigns.insert(camp);
    auto& [bad, total] = cells[{p, camp}];
    bad += c.bad();
    total += c.total();
  }
  const Counts& t = r.totals;
  const auto& pv = r.metadata.value("provenance", nlohmann::json::object());
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>mxconf conformance report</title><style>"
    << "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
       "margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}"
       "th{background:#f4f4f4}.heat td{text-align:center}code{font-size:12px}"
       "figure{display:inline-block;margin:0 1em 1em 0}.pass{color:#1a7f37}.fail{color:#b42318}"
    << "</style></head><body>\n<h1>mxconf conformance report</h1>\n<p class=\""
    << (t.bad() || missing_cases(r) ? "fail" : "pass") << "\"><strong>" << escape_xml(headline(r))
    << "</strong>: " << t.total() << " cases, " << t.pass << " pass (" << t.bit_exact
    << " bit-exact, " << t.compliant << " compliant), " << t.rejected << " rejected as expected, "
    << t.bad() << " failing, " << t.unsupported << " unsupported, " << t.xfail
    << " xfail.</p>\n<p>mxconf " << escape_xml(pv.value("mxconf_version", "?")) << " ("
    << escape_xml(pv.value("git_commit", "?")) << "), spec revision "
    << escape_xml(pv.value("spec_revision", "?")) << "; run identity <code>"
    << escape_xml(r.metadata.value("identity", nlohmann::json::object()).dump()) << "</code></p>\n";
  for (const auto& w : r.warnings) o << "<p class=\"fail\">warning: " << escape_xml(w) << "</p>\n";

  o << "<h2>Matrix: payload &times; campaign</h2>\n<table class=\"heat\"><tr><th></th>";
  for (const auto& c : campaigns) o << "<th>" << escape_xml(c) << "</th>";
  o << "</tr>\n";
  for (const auto& p : payloads) {
    o << "<tr><th>" << escape_xml(p) << "</th>";
    for (const auto& c : campaigns) {
      const auto it = cells.find({p, c});
      const uint64_t bad = it == cells.end() ? 0 : it->second.first;
      const uint64_t total = it == cells.end() ? 0 : it->second.second;
      o << "<td style=\"background:" << heat(bad, total) << "\" title=\"" << bad << " bad of "
        << total << "\">"
        << (total ? std::to_string(total - bad) + "/" + std::to_string(total) : "") << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n<h2>Error distributions</h2>\n"
    << svg_histogram("tier (b): max |err| / DOT_PRODUCT bound", r.err_over_bound)
    << svg_histogram("tier (c): max ULP distance to the fp32 model", r.max_ulp);
  for (const auto& [p, h] : r.rel_frobenius) o << svg_histogram("relative Frobenius, " + p, h);
  for (const auto& [p, h] : r.cosine) o << svg_histogram("cosine, " + p, h);
  o << "\n<h2>Scale-rule classification (tier d)</h2>\n<table><tr><th>rule</th><th>cases whose "
       "CAST scales it reproduces</th></tr>";
  for (const auto& [rule, n] : r.scale_rules)
    o << "<tr><td>" << escape_xml(rule) << "</td><td>" << n << "</td></tr>";
  o << "</table>\n<h2>Failures by symptom (" << r.failures.size() << ")</h2>\n";
  if (r.failures.empty()) {
    o << "<p>None.</p>\n";
  } else {
    o << "<table><tr><th>symptom</th><th>verdict</th><th>cases</th><th>facets they share</th>"
         "<th>representative (smallest)</th><th>message</th><th>replay</th></tr>\n";
    for (const auto& [key, g] : r.failures) {
      o << "<tr id=\"f-" << escape_xml(g.fingerprint) << "\"><td>" << escape_xml(key) << "</td><td>"
        << escape_xml(g.verdict) << (g.known ? " (known)" : "") << "</td><td>" << g.count
        << "</td><td><code>" << escape_xml(g.shared_facets.dump()) << "</code></td><td>"
        << escape_xml(g.name) << "</td><td>" << escape_xml(g.message) << "</td><td><code>"
        << escape_xml(g.replay) << "</code></td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace mxconf::reports

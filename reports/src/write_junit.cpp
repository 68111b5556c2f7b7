#include <sstream>

#include "mxconf/reports/writers.h"

namespace mxconf::reports {

std::string escape_xml(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

namespace {

std::string cell_failure(const Counts& c) {
  std::ostringstream m;
  for (const auto& [tier, n] : c.fail_by_tier) m << n << " fail (tier " << tier << ") ";
  for (const auto& [stage, n] : c.error_by_stage) m << n << " error (" << stage << ") ";
  if (c.missed) m << c.missed << " rejection-missed";
  return m.str();
}

}  // namespace

// Cells are the "matrix" suite, failure groups the "failures" suite. A cell fails when any of
// its cases failed, errored or missed a rejection; xfail-only cells count as skipped.
std::string write_junit(const Report& r) {
  std::ostringstream cells, groups;
  size_t cell_failures = 0, cell_skipped = 0;
  for (const auto& [key, c] : r.matrix) {
    cells << "    <testcase classname=\"mxconf.matrix\" name=\"" << escape_xml(key) << "\">";
    if (c.bad() > 0) {
      ++cell_failures;
      cells << "<failure message=\"" << escape_xml(cell_failure(c)) << "\"/>";
    } else if ((c.xfail > 0 || c.unsupported > 0) && c.pass + c.rejected == 0) {
      ++cell_skipped;
      cells << "<skipped message=\""
            << (c.xfail > 0 ? "known failure (xfail)" : "unsupported by the system") << "\"/>";
    }
    cells << "<system-out>" << c.total() << " cases: " << c.pass << " pass (" << c.bit_exact
          << " bit-exact, " << c.compliant << " compliant), " << c.rejected
          << " rejected-as-expected, " << c.unsupported << " unsupported</system-out></testcase>\n";
  }
  size_t group_failures = 0;
  for (const auto& [key, g] : r.failures) {
    groups << "    <testcase classname=\"mxconf.failures\" name=\"" << escape_xml(key) << "\">";
    if (g.known) {
      groups << "<skipped message=\"known failure (xfail): " << escape_xml(g.message)
             << "\"/></testcase>\n";
      continue;
    }
    ++group_failures;
    groups << "<failure message=\""
           << escape_xml(g.verdict + (g.tier.empty() ? "" : " tier " + g.tier) +
                         (g.stage.empty() ? "" : " at " + g.stage) + ": " + g.message)
           << "\">" << escape_xml(g.count == 1 ? "1 case" : std::to_string(g.count) + " cases")
           << "; smallest: " << escape_xml(g.name) << "; replay: " << escape_xml(g.replay)
           << "</failure></testcase>\n";
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"mxconf\" tests=\"" << r.matrix.size() + r.failures.size()
      << "\" failures=\"" << cell_failures + group_failures << "\">\n"
      << "  <testsuite name=\"matrix\" tests=\"" << r.matrix.size() << "\" failures=\""
      << cell_failures << "\" skipped=\"" << cell_skipped << "\">\n"
      << cells.str() << "  </testsuite>\n"
      << "  <testsuite name=\"failures\" tests=\"" << r.failures.size() << "\" failures=\""
      << group_failures << "\" skipped=\"" << r.failures.size() - group_failures << "\">\n"
      << groups.str() << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace mxconf::reports

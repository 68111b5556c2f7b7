// Report writers: JSON (the source of truth), JUnit XML, Markdown and a self-contained HTML page.
#pragma once

#include <string>
#include <vector>

#include "mxconf/reports/report.h"

namespace mxconf::reports {

inline const std::vector<std::string> kAllFormats = {"json", "junit", "md", "html"};

std::string write_junit(const Report& r);     // one testcase per matrix cell and failure group
std::string write_markdown(const Report& r);  // for CI logs and review comments
std::string write_html(const Report& r);      // no external assets; heat map and inline SVG

// The file each format goes to inside a report directory.
std::string report_file_name(const std::string& format);

// Writes the chosen formats into `dir` all or nothing (nothing is left half-written on error).
// Throws std::runtime_error for an unknown format or an unwritable directory.
void write_reports(const Report& r, const std::string& dir,
                   const std::vector<std::string>& formats);

// XML/HTML text escaping.
std::string escape_xml(const std::string& s);

}  // namespace mxconf::reports

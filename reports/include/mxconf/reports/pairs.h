// The conformance matrix across systems: several reports (one per lowering + runtime pair) set
// side by side, per facet value: how many cases passed bit-exact or only compliant, failed by
// tier, were unsupported, or broke at a stage; and the failure symptoms of each pair.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mxconf/reports/report.h"

namespace mxconf::reports {

using NamedReport = std::pair<std::string, Report>;  // (pair name, its report)

// The facets the matrix is cut by (facet key in a matrix cell, its heading).
inline constexpr std::pair<const char*, const char*> kPairFacets[] = {
    {"payload", "payload"},     {"input_dtype", "input dtype"}, {"rank", "rank"},
    {"dim_order", "dim order"}, {"campaign", "campaign"},       {"op", "operator / ERROR_IF rule"}};

std::string write_pairs_markdown(const std::vector<NamedReport>& pairs);
std::string write_pairs_html(const std::vector<NamedReport>& pairs);

// One cell's counts in words: "12 bit-exact, 3 compliant | fail a 2 | unsupported 1 | error ...".
std::string outcome_text(const Counts& c);

}  // namespace mxconf::reports

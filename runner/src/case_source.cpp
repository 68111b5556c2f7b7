#include "mxconf/runner/case_source.h"

namespace mxconf::runner {

generators::Case GeneratedCases::at(uint64_t index) const {
  return generators::generate_case(gen_, seed_, index);
}

std::string GeneratedCases::label(uint64_t, const generators::Case& c) const {
  return generators::case_name(c);
}

generators::Case ListedCases::at(uint64_t index) const {
  const ListedCase& l = cases_.at(index);
  if (!l.c) throw CaseUnavailable(problem_stage_, l.fingerprint, l.problem);
  return *l.c;
}

std::string ListedCases::label(uint64_t index, const generators::Case&) const {
  return cases_.at(index).name;
}

}  // namespace mxconf::runner

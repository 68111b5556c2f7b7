// What went wrong with a case, in words that stay the same across the cases one bug touches: no
// indices, sizes, paths or values, but the stage or tier, the tensor, and the kind and size of
// the deviation ("tier a: output off by <= 1 ulp in isolated elements"). Reports group failures
// by it, and a run shrinks one representative per symptom. Offers symptom().
#pragma once

#include <string>

#include "mxconf/runner/run_case.h"

namespace mxconf::runner {

// Empty for a good verdict.
std::string symptom(const CaseResult& r);

// A message with its specifics taken out: numbers become '#', paths '<path>'; at most 120
// characters.
std::string generalize(const std::string& message);

}  // namespace mxconf::runner

// Reducing a failing case to a small one that fails the same way. Offers failure_signature and
// shrink_case.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "mxconf/generators/case_gen.h"
#include "mxconf/runner/run_case.h"

namespace mxconf::runner {

// Failure signature: verdict plus tier or stage; a shrink must keep it.
std::string failure_signature(const CaseResult& r);

// Greedy reduction of a failing case while `still_fails` holds: RapidCheck's shrinks when the
// case came from the generator, then a block-wise reducer (drop layers, rows, blocks of K,
// outputs, bias, rank, layout; plainer campaign and seeds).
// `gen` (may be null) names the generator the case came from: (config, run seed, index).
generators::Case shrink_case(const generators::Case& c, const generators::GenConfig* gen,
                             uint64_t run_seed, uint64_t index,
                             const std::function<bool(const generators::Case&)>& still_fails,
                             double seconds);

}  // namespace mxconf::runner

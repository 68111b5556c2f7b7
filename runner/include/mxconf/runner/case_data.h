// The data a valid case runs on, all derived from its seed: the model with the campaign's weights
// and biases filled in, and the logical input. Offers prepare_case; nothing internal.
#pragma once

#include <vector>

#include "mxconf/generators/case.h"

namespace mxconf::runner {

struct PreparedCase {
  pipeline::ModelSpec model;  // with the campaign's weights filled in
  std::vector<float> input;   // logical layout (bf16 inputs: bf16-exact values)
};

// Throws std::runtime_error for data that cannot be generated (e.g. a fixed input of the wrong
// length).
PreparedCase prepare_case(const generators::Case& c);

}  // namespace mxconf::runner

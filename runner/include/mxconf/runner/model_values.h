// The judge's own reading of a model's weights and biases, following docs/model-format.md: the
// seeded SplitMix64 stream, the default bounds, the bias seed derived from the weights' seed, and
// float32 .npy sources. Written apart from pipeline/src/model.cpp on purpose: a bug in the
// pipeline's model code (a wrong default bound, a wrong stream) must change what the pipeline
// lowers without changing what the judge expects. Offers expected_weights / expected_bias.
#pragma once

#include <string>
#include <vector>

#include "mxconf/pipeline/model.h"

namespace mxconf::runner {

// Layer l's weights [N, K] row-major and bias [N] (empty without a bias), as the description
// says. npy paths resolve against base_dir. Throws std::runtime_error naming the file.
std::vector<float> expected_weights(const pipeline::LayerSpec& l, const std::string& base_dir);
std::vector<float> expected_bias(const pipeline::LayerSpec& l, const std::string& base_dir);

}  // namespace mxconf::runner

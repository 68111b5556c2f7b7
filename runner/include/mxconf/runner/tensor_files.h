// How mxconf hands tensors to other systems and reads theirs back: fp32 as <f4; BF16 as <u2 bf16
// bits (what `mxconf exec` reads and writes), and BF16 results also as <f4 values. Offers the
// writer, the result reader and the dim-order helpers the two share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mxconf/pipeline/model.h"
#include "mxconf/runner/observation.h"

namespace mxconf::runner {

void write_activation_npy(const std::string& path, pipeline::DType t,
                          const std::vector<int64_t>& shape, const std::vector<float>& values);

// Reads what a system wrote for the output of model m into obs.output (logical layout). A
// missing or unreadable file throws std::runtime_error naming it (an error verdict); a readable
// file of the wrong shape sets obs.shape_error (a failure).
void read_result_npy(const std::string& path, const pipeline::ModelSpec& m, Observation& obs);

// The file a system writes an output tensor to (desc.json's ofm_file): the tensor's name made
// file-safe, as `mxconf exec` names it.
std::string result_file_name(const std::string& tensor);

// Shapes and layouts: physical dim j is logical dim order[j] (an empty order is contiguous).
std::vector<int64_t> physical_shape(const std::vector<int64_t>& logical,
                                    const std::vector<int64_t>& order);
std::vector<int64_t> physical_output_shape(const pipeline::ModelSpec& m);
// Permutes a C-order tensor: out dim j = in dim order[j].
std::vector<float> permute_dims(const std::vector<float>& in, const std::vector<int64_t>& shape,
                                const std::vector<int64_t>& order);
std::vector<double> permute_dims(const std::vector<double>& in, const std::vector<int64_t>& shape,
                                 const std::vector<int64_t>& order);
// The inverse of permute_dims(.., order): physical back to logical.
std::vector<float> unpermute_dims(const std::vector<float>& physical,
                                  const std::vector<int64_t>& physical_shape,
                                  const std::vector<int64_t>& order);

}  // namespace mxconf::runner

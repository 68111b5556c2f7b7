// How mxconf hands tensors to other systems and reads theirs back: fp32 as <f4; BF16 as <u2 bf16
// bits (what `mxconf exec` reads and writes), and BF16 results also as <f4 values. Offers the
// writer, the result reader and the dim-order helpers the two share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mxconf/io/npy.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/runner/observation.h"

namespace mxconf::runner {

// BF16 values are written as bf16 bits in `bf16_layout`: <u2 (mxconf's default) or <V2
// (tosa-tools' layout). INT32 values (an embedding's indices, floats holding integers) as <i4,
// each through index_value.
void write_activation_npy(const std::string& path, pipeline::DType t,
                          const std::vector<int64_t>& shape, const std::vector<float>& values,
                          io::NpyDtype bf16_layout = io::NpyDtype::u2);

// An index held in a float, as the int32 a graph input holds: the integer itself, or -1 (an
// index no table has, which ROW_GATHER's REQUIRE refuses) for NaN, a fraction or a value beyond
// int32. A case file may hold any float there; converting those directly is undefined.
int32_t index_value(float f);

// Reads what a system wrote for the output of model m into obs.output (logical layout). A
// missing or unreadable file throws std::runtime_error naming it (an error verdict); a readable
// file of the wrong shape sets obs.shape_error (a failure).
void read_result_npy(const std::string& path, const pipeline::ModelSpec& m, Observation& obs);

// The file a system writes an output tensor to (desc.json's ofm_file): the tensor's name made
// file-safe, as `mxconf exec` names it.
std::string result_file_name(const std::string& tensor);

// Why a graph cannot stand for a model (which has one input and one output), or empty.
std::string one_input_one_output(const pipeline::Graph& g);

// The model's output shape in its physical dim order (oracles/layout.h permutes data).
std::vector<int64_t> physical_output_shape(const pipeline::ModelSpec& m);

}  // namespace mxconf::runner

#include "mxconf/runner/tensor_files.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "mxconf/formats/scalar_types.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/layout.h"

namespace mxconf::runner {

std::string one_input_one_output(const pipeline::Graph& g) {
  if (g.inputs.size() == 1 && g.outputs.size() == 1) return {};
  return "the graph has " + std::to_string(g.inputs.size()) + " inputs and " +
         std::to_string(g.outputs.size()) + " outputs; the model has one of each";
}

std::vector<int64_t> physical_output_shape(const pipeline::ModelSpec& m) {
  return oracles::permuted_shape(pipeline::output_shape(m), m.output.dim_order);
}

std::string result_file_name(const std::string& tensor) {
  std::string s = tensor;
  for (char& ch : s) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-'))
      ch = '_';
  }
  if (s.empty() || s[0] == '.') s = "_" + s;
  return s + ".npy";
}

int32_t index_value(float f) {
  if (!(f >= -2147483648.0f && f < 2147483648.0f) || f != std::floor(f)) return -1;
  return int32_t(f);
}

void write_activation_npy(const std::string& path, pipeline::DType t,
                          const std::vector<int64_t>& shape, const std::vector<float>& values,
                          io::NpyDtype bf16_layout) {
  io::AtomicOutputs out;
  if (t == pipeline::DType::bf16) {
    std::vector<uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i) bits[i] = formats::float_to_bf16(values[i]);
    io::stage_npy(out, path, bf16_layout, shape, io::bytes_of(bits));
  } else if (t == pipeline::DType::int32) {
    // An embedding's indices: floats holding integers (campaign_input), written as <i4.
    std::vector<int32_t> ints(values.size());
    for (size_t i = 0; i < values.size(); ++i) ints[i] = index_value(values[i]);
    io::stage_npy(out, path, io::NpyDtype::i4, shape, io::bytes_of(ints));
  } else {
    io::stage_npy(out, path, io::NpyDtype::f4, shape, io::bytes_of(values));
  }
  out.commit();
}

void read_result_npy(const std::string& path, const pipeline::ModelSpec& m, Observation& obs) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("no result file " + path);
  const io::NpyFile a = io::NpyFile::open(path);  // mapped; the values are read in place
  const bool bf16 = m.output.dtype == pipeline::DType::bf16;
  const bool f32 = a.dtype() == io::NpyDtype::f4;
  if (!f32 && !(bf16 && (a.dtype() == io::NpyDtype::u2 || a.dtype() == io::NpyDtype::v2))) {
    throw std::runtime_error(path + ": the output is " + std::string(bf16 ? "BF16" : "FP32") +
                             ", the file holds " + io::descr(a.dtype()) +
                             (bf16 ? " (want bf16 bits as <u2 or <V2, or <f4)" : " (want <f4)"));
  }
  const std::vector<int64_t> want_shape = physical_output_shape(m);
  obs.casts_observed = false;
  obs.output_fp32_observed = !bf16;
  // The header first: a wrong shape (a runaway 1 GB file among them) is judged without
  // touching its values.
  if (a.shape() != want_shape) {
    obs.shape_error = "the output has shape [" + pipeline::join_dims(a.shape(), ", ") +
                      "], the graph's is [" + pipeline::join_dims(want_shape, ", ") + "]";
    return;
  }
  std::vector<float> phys;
  if (f32) {
    const auto v = a.values<float>();
    phys.assign(v.begin(), v.end());
  } else {
    const auto bits = a.values<uint16_t>();
    phys.resize(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) phys[i] = formats::bf16_to_float(bits[i]);
  }
  obs.output = oracles::unpermute_dims(phys, want_shape, m.output.dim_order);
  obs.output_fp32 = obs.output;
}

}  // namespace mxconf::runner

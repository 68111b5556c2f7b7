#include "mxconf/runner/exec_files.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "mxconf/faults/faults.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/mapped_file.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/tensor_files.h"

namespace mxconf::runner {
namespace {

// The input's values are the mapped file's pages: no read into a buffer, no conversion copy.
template <typename T>
pipeline::Buffer<T> mapped_values(const io::NpyFile& a) {
  const auto v = a.values<T>();
  return pipeline::Buffer<T>::view(a.owner(), v.data(), v.size(), a.mapped());
}

pipeline::Value to_value(const io::NpyFile& a, const pipeline::Tensor& t, const std::string& path) {
  if (t.dtype == pipeline::DType::fp32) {
    if (a.dtype() != io::NpyDtype::f4)
      throw ExecInputError(path + ": input '" + t.name + "' is FP32, the file is " +
                           io::descr(a.dtype()) + " (want <f4)");
    return pipeline::Value::from_f32(a.shape(), mapped_values<float>(a));
  }
  if (t.dtype == pipeline::DType::bf16) {
    // The fault: only <u2 is taken (tosa-tools writes bf16 as <V2).
    const bool v2_ok = !MXCONF_FAULT(exec_refuses_v2) && a.dtype() == io::NpyDtype::v2;
    if (a.dtype() != io::NpyDtype::u2 && !v2_ok)
      throw ExecInputError(path + ": input '" + t.name + "' is BF16, the file is " +
                           io::descr(a.dtype()) + " (want bf16 bits as <u2 or <V2)");
    return pipeline::Value::from_bf16(a.shape(), mapped_values<uint16_t>(a));
  }
  throw ExecInputError("graph input '" + t.name + "' is " + std::string(pipeline::name(t.dtype)) +
                       "; exec feeds FP32 or BF16 inputs");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> exec_files(const ExecRequest& o) {
  // The reader copies each constant out of the mapped file once; the interpreter then uses it in
  // place.
  const pipeline::LoadResult r = pipeline::deserialize_graph(io::MappedFile::open(o.tosa)->bytes());
  if (!r.ok())
    throw ExecInputError(o.tosa + ": " + std::string(pipeline::name(r.error->code)) + ": " +
                         r.error->message);
  const pipeline::Graph& g = *r.graph;
  const auto issues = pipeline::validate_tosa(g, o.target);
  if (!issues.empty())
    throw ExecInputError(o.tosa + ": [" + std::string(pipeline::name(issues[0].code)) + "] " +
                         issues[0].message);

  std::map<std::string, pipeline::Value> values;
  for (const std::string& spec : o.inputs) {
    const size_t eq = spec.find('=');
    if (eq == 0) throw ExecInputError("--input '" + spec + "' is not NAME=FILE.npy");
    if (eq == std::string::npos && g.inputs.size() != 1)
      throw ExecInputError("--input '" + spec + "' has no NAME= and the graph has " +
                           std::to_string(g.inputs.size()) + " inputs");
    const std::string name = eq == std::string::npos ? g.inputs.front() : spec.substr(0, eq);
    const std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
    const pipeline::Tensor* t = g.find(name);
    if (!t || std::find(g.inputs.begin(), g.inputs.end(), name) == g.inputs.end()) {
      std::string all;
      for (const auto& i : g.inputs) all += (all.empty() ? "" : ", ") + i;
      throw ExecInputError("'" + name + "' is not a graph input (inputs: " + all + ")");
    }
    const io::NpyFile a = io::NpyFile::open(path);
    if (a.shape() != t->shape) {
      throw ExecInputError(path + ": shape " + pipeline::shape_string(a.shape()) +
                           " differs from input '" + name + "' " +
                           pipeline::shape_string(t->shape));
    }
    values[name] = to_value(a, *t, path);
  }
  for (const std::string& in : g.inputs) {
    if (!values.count(in)) throw ExecInputError("missing --input " + in + "=FILE.npy");
  }
  pipeline::InterpreterOptions opts;
  opts.cast_rule = o.cast_rule;
  const auto outs = pipeline::run_graph(g, values, opts);

  std::filesystem::create_directories(o.out_dir);
  io::AtomicOutputs files;
  std::vector<std::pair<std::string, std::string>> written;
  for (const auto& [name, v] : outs) {
    const std::string path = (std::filesystem::path(o.out_dir) / result_file_name(name)).string();
    // Header, then the data straight from the interpreter's result.
    if (v.dtype == pipeline::DType::fp32) {
      io::stage_npy(files, path, io::NpyDtype::f4, v.shape, io::bytes_of(v.f32));
    } else if (v.dtype == pipeline::DType::bf16) {
      io::stage_npy(files, path, io::NpyDtype::u2, v.shape, io::bytes_of(v.bf16));
    } else {
      throw ExecInputError("graph output '" + name + "' is " +
                           std::string(pipeline::name(v.dtype)) + "; exec writes FP32 or BF16");
    }
    written.emplace_back(name, path);
  }
  files.commit();
  return written;
}

}  // namespace mxconf::runner

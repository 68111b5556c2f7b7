#include "mxconf/runner/exec_files.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/mapped_file.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/tensor_files.h"
#include "mxconf/runner/tosa_npy.h"

namespace mxconf::runner {

std::vector<std::pair<std::string, std::string>> exec_files(const ExecRequest& o) {
  // The reader copies each constant out of the mapped file once; the interpreter then uses it in
  // place.
  const pipeline::LoadResult r = pipeline::deserialize_graph(io::MappedFile::open(o.tosa)->bytes());
  if (!r.ok()) {
    const std::string what =
        o.tosa + ": " + std::string(pipeline::name(r.error->code)) + ": " + r.error->message;
    switch (r.error->code) {
      case pipeline::LoadErrorCode::unknown_op:
      case pipeline::LoadErrorCode::unknown_dtype:
      case pipeline::LoadErrorCode::version_unsupported:
        throw ExecUnsupported(what);
      case pipeline::LoadErrorCode::truncated:
      case pipeline::LoadErrorCode::too_large:
      case pipeline::LoadErrorCode::bad_identifier:
      case pipeline::LoadErrorCode::malformed:
      case pipeline::LoadErrorCode::limit_exceeded:
        throw ExecInputError(what);  // not a TOSA graph we could read at all
      default:
        throw ExecGraphInvalid(what);
    }
  }
  const pipeline::Graph& g = *r.graph;
  const auto issues = pipeline::validate_tosa(g, o.target);
  for (const auto& i : issues) {
    // Something mxconf does not implement is no verdict on the graph, wherever it is listed.
    if (i.code == pipeline::ValidationCode::unsupported_op ||
        i.code == pipeline::ValidationCode::unsupported_type)
      throw ExecUnsupported(o.tosa + ": [" + std::string(pipeline::name(i.code)) + "] " +
                            i.message);
  }
  if (!issues.empty())
    throw ExecGraphInvalid(o.tosa + ": [" + std::string(pipeline::name(issues[0].code)) + "] " +
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
    values[name] = read_tensor_npy(io::NpyFile::open(path), *t, path);
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
    stage_tensor_npy(files, path, name, v);
    written.emplace_back(name, path);
  }
  files.commit();
  return written;
}

}  // namespace mxconf::runner

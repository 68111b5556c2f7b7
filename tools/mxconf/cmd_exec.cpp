// mxconf exec FILE.tosa --input NAME=FILE.npy ... --output-dir DIR: run a .tosa file with the
// reference interpreter and write one .npy per graph output.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "commands.h"
#include "enum_options.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/mapped_file.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"
#include "mxconf/runner/tensor_files.h"

namespace mxconf::cli {
namespace {

struct ExecOptions {
  std::string file;
  std::vector<std::string> inputs;
  std::string out_dir;
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;
  std::string target = "TOSA-1.1+FP+mxfp+mxfp_conv+bf16";
};

// The input's values are the mapped file's pages: no read into a buffer, no conversion copy.
template <typename T>
pipeline::Buffer<T> mapped_values(const io::NpyFile& a) {
  const auto v = a.values<T>();
  return pipeline::Buffer<T>::view(a.owner(), v.data(), v.size(), a.mapped());
}

pipeline::Value to_value(const io::NpyFile& a, const pipeline::Tensor& t, const std::string& path) {
  if (t.dtype == pipeline::DType::fp32) {
    if (a.dtype() != io::NpyDtype::f4)
      throw UsageError(path + ": input '" + t.name + "' is FP32, the file is " +
                       io::descr(a.dtype()) + " (want <f4)");
    return pipeline::Value::from_f32(a.shape(), mapped_values<float>(a));
  }
  if (t.dtype == pipeline::DType::bf16) {
    if (a.dtype() != io::NpyDtype::u2 && a.dtype() != io::NpyDtype::v2)
      throw UsageError(path + ": input '" + t.name + "' is BF16, the file is " +
                       io::descr(a.dtype()) + " (want bf16 bits as <u2 or <V2)");
    return pipeline::Value::from_bf16(a.shape(), mapped_values<uint16_t>(a));
  }
  throw UsageError("graph input '" + t.name + "' is " + std::string(pipeline::name(t.dtype)) +
                   "; exec feeds FP32 or BF16 inputs");
}

int run_exec(const ExecOptions& o) {
  // The reader copies each constant out of the mapped file once; the interpreter then uses it in
  // place.
  const pipeline::LoadResult r = pipeline::deserialize_graph(io::MappedFile::open(o.file)->bytes());
  if (!r.ok())
    throw UsageError(o.file + ": " + std::string(pipeline::name(r.error->code)) + ": " +
                     r.error->message);
  const pipeline::Graph& g = *r.graph;
  const auto issues = pipeline::validate_tosa(g, pipeline::Target::parse(o.target));
  if (!issues.empty())
    throw UsageError(o.file + ": [" + std::string(pipeline::name(issues[0].code)) + "] " +
                     issues[0].message);

  std::map<std::string, pipeline::Value> values;
  for (const std::string& spec : o.inputs) {
    // NAME=FILE.npy, or just FILE.npy for a graph with one input (as SUT command templates
    // pass {inputs}).
    const size_t eq = spec.find('=');
    if (eq == 0) throw UsageError("--input '" + spec + "' is not NAME=FILE.npy");
    if (eq == std::string::npos && g.inputs.size() != 1)
      throw UsageError("--input '" + spec + "' has no NAME= and the graph has " +
                       std::to_string(g.inputs.size()) + " inputs");
    const std::string name = eq == std::string::npos ? g.inputs.front() : spec.substr(0, eq);
    const std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
    const pipeline::Tensor* t = g.find(name);
    if (!t || std::find(g.inputs.begin(), g.inputs.end(), name) == g.inputs.end()) {
      throw UsageError("'" + name + "' is not a graph input (inputs: " + [&] {
        std::string s;
        for (const auto& i : g.inputs) s += (s.empty() ? "" : ", ") + i;
        return s;
      }() + ")");
    }
    const io::NpyFile a = io::NpyFile::open(path);
    if (a.shape() != t->shape) {
      std::string want, got;
      for (int64_t d : t->shape) want += std::to_string(d) + " ";
      for (int64_t d : a.shape()) got += std::to_string(d) + " ";
      throw UsageError(path + ": shape ( " + got + ") differs from input '" + name + "' ( " + want +
                       ")");
    }
    values[name] = to_value(a, *t, path);
  }
  for (const std::string& in : g.inputs) {
    if (!values.count(in)) throw UsageError("missing --input " + in + "=FILE.npy");
  }
  pipeline::InterpreterOptions opts;
  opts.cast_rule = o.cast_rule;
  const auto outs = pipeline::run_graph(g, values, opts);

  std::filesystem::create_directories(o.out_dir);
  io::AtomicOutputs files;
  for (const auto& [name, v] : outs) {
    const std::string path =
        (std::filesystem::path(o.out_dir) / runner::result_file_name(name)).string();
    // Header, then the data straight from the interpreter's result.
    if (v.dtype == pipeline::DType::fp32) {
      io::stage_npy(files, path, io::NpyDtype::f4, v.shape, io::bytes_of(v.f32));
    } else if (v.dtype == pipeline::DType::bf16) {
      io::stage_npy(files, path, io::NpyDtype::u2, v.shape, io::bytes_of(v.bf16));
    } else {
      throw UsageError("graph output '" + name + "' is " + std::string(pipeline::name(v.dtype)) +
                       "; exec writes FP32 or BF16");
    }
    std::printf("%s -> %s\n", name.c_str(), path.c_str());
  }
  files.commit();
  return 0;
}

}  // namespace

void add_exec_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<ExecOptions>();
  CLI::App* cmd = app.add_subcommand(
      "exec",
      "Run a .tosa file with the reference interpreter. Inputs and outputs are .npy files:\n"
      "FP32 as <f4; BF16 as <u2 holding the raw bf16 bits. One output file per graph output,\n"
      "named after the tensor, written only if the whole run succeeds.");
  cmd->add_option("FILE", opts->file, "the .tosa file")->required();
  cmd->add_option("--input", opts->inputs,
                  "NAME=FILE.npy, once per graph input (FILE.npy alone for a one-input graph)");
  cmd->add_option("--output-dir", opts->out_dir, "directory for the output .npy files")->required();
  add_scale_rule_option(cmd, "--cast-rule", opts->cast_rule, "scale rule of CAST_TO_BLOCK_SCALED");
  cmd->add_option("--target", opts->target, "TOSA target the file is validated against")
      ->capture_default_str();
  set_action(cmd, result, [opts] { return run_exec(*opts); });
}

}  // namespace mxconf::cli

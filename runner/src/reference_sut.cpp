#include "mxconf/runner/reference_sut.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>

#include "mxconf/formats/scalar_types.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/layout.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/exec_files.h"
#include "mxconf/runner/tensor_files.h"

namespace mxconf::runner {
namespace {

// The fp32 result a bf16 output was cast from, in the logical layout (empty without such a
// CAST). The CAST may sit before the TRANSPOSEs that lay the output out (mxconf's lowering casts
// the logical tensor) or after them (ExecuTorch casts the channels_last tensor itself): the
// TRANSPOSEs between the CAST and the graph output are applied to its input, then the output's
// dim order is undone.
std::vector<float> fp32_before_cast(const pipeline::Graph& graph, const std::string& out_name,
                                    const std::map<std::string, pipeline::Value>& all,
                                    const std::vector<int64_t>& output_dim_order) {
  std::vector<const pipeline::Operator*> transposes;  // from the graph output back
  std::string at = out_name;
  while (true) {
    const auto producer = std::find_if(graph.ops.begin(), graph.ops.end(), [&](const auto& op) {
      return !op.outputs.empty() && op.outputs[0] == at;
    });
    if (producer == graph.ops.end()) return {};
    if (producer->op == pipeline::OpKind::transpose) {
      transposes.push_back(&*producer);
      at = producer->inputs[0];
      continue;
    }
    if (producer->op != pipeline::OpKind::cast) return {};
    const pipeline::Value& in = all.at(producer->inputs[0]);
    if (in.dtype != pipeline::DType::fp32) return {};
    std::vector<float> v = in.f32.to_vector();
    std::vector<int64_t> shape = in.shape;
    for (auto t = transposes.rbegin(); t != transposes.rend(); ++t) {
      const std::vector<int64_t> perms((*t)->attrs.perms.begin(), (*t)->attrs.perms.end());
      v = oracles::permute_dims(v, shape, perms);
      std::vector<int64_t> next(perms.size());
      for (size_t i = 0; i < perms.size(); ++i) next[i] = shape[size_t(perms[i])];
      shape = std::move(next);
    }
    return oracles::unpermute_dims(v, shape, output_dim_order);
  }
}

// The first operator or tensor of `read` that differs from `written` ("" when none does).
std::string first_difference(const pipeline::Graph& written, const pipeline::Graph& read) {
  if (written.ops.size() != read.ops.size())
    return std::to_string(read.ops.size()) + " operators, not " +
           std::to_string(written.ops.size());
  for (size_t i = 0; i < written.ops.size(); ++i) {
    const pipeline::Operator &w = written.ops[i], &r = read.ops[i];
    const std::string who = "operator " + std::to_string(i) + " (" + std::string(name(w.op)) + ")";
    if (r.op != w.op) return who + " reads back as " + std::string(name(r.op));
    if (r.inputs != w.inputs || r.outputs != w.outputs) return who + ": its operands";
    if (r.attrs.perms != w.attrs.perms) return who + ": its perms";
    if (r.attrs.block_size != w.attrs.block_size)
      return who + ": block_size " + std::to_string(r.attrs.block_size) + ", not " +
             std::to_string(w.attrs.block_size);
  }
  if (written.tensors.size() != read.tensors.size())
    return std::to_string(read.tensors.size()) + " tensors, not " +
           std::to_string(written.tensors.size());
  for (size_t i = 0; i < written.tensors.size(); ++i)
    if (!(written.tensors[i] == read.tensors[i]))
      return "tensor '" + written.tensors[i].name + "' (" +
             pipeline::tensor_text(&written.tensors[i]) + ") reads back as " +
             pipeline::tensor_text(&read.tensors[i]) +
             (written.tensors[i].data == read.tensors[i].data ? "" : " with other data");
  if (written.inputs != read.inputs || written.outputs != read.outputs)
    return "the graph's I/O list";
  return "";
}

}  // namespace

std::optional<Lowered> lower_to_tosa(const pipeline::ModelSpec& m, const pipeline::Target& target,
                                     const pipeline::LowerOptions& lowering, Observation& obs) {
  Lowered out;
  pipeline::Graph lowered;
  // Each stage in turn; the first that throws is the one blamed.
  auto stage = [&](Stage s, auto&& body) {
    if (obs.failure) return;
    try {
      body();
    } catch (const std::exception& e) {
      obs.fail(s, e.what());
    }
  };
  stage(stage::lower, [&] { lowered = pipeline::lower_model(m, "", lowering); });
  stage(stage::validate, [&] {
    const auto issues = pipeline::validate_tosa(lowered, target);
    if (!issues.empty()) throw std::runtime_error(issues[0].message);
  });
  stage(stage::serialize, [&] { out.tosa = pipeline::serialize_graph(lowered); });
  stage(stage::load, [&] {
    pipeline::LoadResult l = pipeline::deserialize_graph(out.tosa);
    if (!l.ok())
      throw std::runtime_error(std::string(name(l.error->code)) + ": " + l.error->message);
    out.graph = std::move(*l.graph);
    // What was read back is what runs: it keeps the target's rules and says what was written.
    // (A writer that loses an attribute passes the validation of the graph it was given.)
    if (const auto issues = pipeline::validate_tosa(out.graph, target); !issues.empty())
      throw std::runtime_error("the graph read back breaks a rule: " + issues[0].message);
    if (const std::string diff = first_difference(lowered, out.graph); !diff.empty())
      throw std::runtime_error("the graph read back differs from the one written: " + diff);
  });
  if (obs.failure) return std::nullopt;
  return out;
}

std::optional<Lowered> ReferenceLowering::lower(const generators::Case& c, const PreparedCase& p,
                                                Observation& obs) const {
  return lower_to_tosa(p.model, c.target.profile, c.lowering, obs);
}

namespace {

// An activation handed to the interpreter: fp32 values, or their bf16 bits for a bf16 input.
pipeline::Value input_value(pipeline::DType t, const std::vector<int64_t>& shape,
                            const std::vector<float>& values) {
  if (t == pipeline::DType::int32) {  // an embedding's indices: floats holding integers
    pipeline::Value v;
    v.dtype = t;
    v.shape = shape;
    for (float f : values) v.ints.push_back(index_value(f));
    return v;
  }
  if (t != pipeline::DType::bf16) return pipeline::Value::from_f32(shape, values);
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = formats::float_to_bf16(values[i]);
  return pipeline::Value::from_bf16(shape, std::move(bits));
}

}  // namespace

std::map<std::string, pipeline::Value> interpreter_values(const pipeline::ModelSpec& m,
                                                          const std::vector<float>& input,
                                                          formats::ScaleRule cast_rule,
                                                          const pipeline::Graph& graph) {
  // The graph's own names: an external lowering may name its tensors as it likes.
  if (const std::string why = one_input_one_output(graph); !why.empty())
    throw std::runtime_error(why);
  const std::string& in_name = graph.inputs.front();
  const std::vector<float> physical =
      oracles::permute_dims(input, m.input.shape, m.input.dim_order);
  const pipeline::Tensor* in_t = graph.find(in_name);
  if (in_t == nullptr || in_t->element_count() != int64_t(physical.size()))
    throw std::runtime_error("the graph input '" + in_name + "' does not hold the model's " +
                             std::to_string(physical.size()) + " input elements");
  const pipeline::Value v = input_value(m.input.dtype, in_t->shape, physical);
  pipeline::InterpreterOptions opts;
  opts.cast_rule = cast_rule;
  std::map<std::string, pipeline::Value> all;
  opts.intermediates = &all;
  pipeline::run_graph(graph, {{in_name, v}}, opts);
  return all;
}

void execute_graph(const pipeline::ModelSpec& m, const std::vector<float>& input,
                   formats::ScaleRule cast_rule, const pipeline::Graph& graph, Observation& obs) {
  std::map<std::string, pipeline::Value> all = interpreter_values(m, input, cast_rule, graph);
  const std::string& out_name = graph.outputs.front();
  obs.output_fp32 = fp32_before_cast(graph, out_name, all, m.output.dim_order);
  for (const pipeline::Operator& op : graph.ops) {
    if (op.op != pipeline::OpKind::cast_to_block_scaled) continue;
    const pipeline::Value& in = all.at(op.inputs[0]);
    CastObservation cast;
    cast.input = in.f32.to_vector();
    if (in.dtype == pipeline::DType::bf16) {
      cast.input.resize(in.bf16.size());
      for (size_t i = 0; i < in.bf16.size(); ++i)
        cast.input[i] = formats::bf16_to_float(in.bf16[i]);
    }
    cast.codes = all.at(op.outputs[0]).codes.to_vector();
    cast.scales = all.at(op.outputs[1]).codes.to_vector();
    obs.casts.push_back(std::move(cast));
  }
  const pipeline::Value& y = all.at(out_name);
  std::vector<float> phys = y.f32.to_vector();
  if (y.dtype == pipeline::DType::bf16) {
    phys.resize(y.bf16.size());
    for (size_t i = 0; i < phys.size(); ++i) phys[i] = formats::bf16_to_float(y.bf16[i]);
  }
  obs.output = oracles::unpermute_dims(phys, y.shape, m.output.dim_order);
  if (obs.output_fp32.empty()) obs.output_fp32 = obs.output;
}

namespace {

// A scratch directory of mxconf's own, removed on every way out.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const generators::Case& c) {
    static std::atomic<uint64_t> next{0};
    path = std::filesystem::temp_directory_path() /
           ("mxconf-exec-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + "-" +
            std::to_string(c.data.seed));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The case's graph run as `mxconf exec` runs a user's file: the .tosa and the input .npy written,
// the input mapped, values freed after their last use, the output read back from its .npy with
// the reader used for every other system's results. A bf16 input is written as <u2 in one such
// case and as <V2 (tosa-tools' layout) in the next. Nothing when the output's shape is not the
// model's (execute() reports that from the graph).
std::optional<std::vector<float>> run_through_exec_files(const generators::Case& c,
                                                         const PreparedCase& p,
                                                         const Lowered& lowered) {
  const ScratchDir dir(c);
  const std::string tosa = (dir.path / "graph.tosa").string(), in = (dir.path / "in.npy").string();
  io::write_file_atomic(tosa, lowered.tosa);
  const io::NpyDtype layout =
      (c.data.seed / kExecPathShare) % 2 ? io::NpyDtype::v2 : io::NpyDtype::u2;
  write_activation_npy(
      in, p.model.input.dtype, lowered.graph.find(lowered.graph.inputs.front())->shape,
      oracles::permute_dims(p.input, p.model.input.shape, p.model.input.dim_order), layout);
  const auto written =
      exec_files({tosa, {in}, (dir.path / "out").string(), c.target.cast_rule, c.target.profile});
  Observation read;
  read_result_npy(written.at(0).second, p.model, read);
  if (!read.shape_error.empty()) return std::nullopt;
  return read.output;
}

}  // namespace

void InterpreterRuntime::execute(const generators::Case& c, const PreparedCase& p,
                                 const Lowered& lowered, Observation& obs) const {
  try {
    execute_graph(p.model, p.input, c.target.cast_rule, lowered.graph, obs);
  } catch (const std::exception& e) {
    obs.fail(stage::execute, e.what());
    return;
  }
  // One case in kExecPathShare: the output the judge sees is the one exec's file path wrote
  // (the in-memory run above still gives the casts and intermediates tier (a) looks at).
  if (c.data.seed % kExecPathShare == 0) {
    try {
      if (auto y = run_through_exec_files(c, p, lowered)) obs.output = std::move(*y);
    } catch (const std::exception& e) {
      obs.fail(stage::execute, std::string("through exec's file path: ") + e.what());
      return;
    }
  }
  const pipeline::Tensor* out = lowered.graph.find(lowered.graph.outputs.front());
  const std::vector<int64_t> want = physical_output_shape(p.model);
  if (out == nullptr || out->shape != want) {
    const pipeline::Tensor model{"", want, p.model.output.dtype, std::nullopt};
    obs.shape_error = "the graph's output is " + pipeline::tensor_text(out) + ", the model's is " +
                      pipeline::tensor_text(&model);
  }
}

std::optional<std::vector<float>> InterpreterRuntime::run_alone(const generators::Case& c,
                                                                const OpSlice& s, SutTrace&,
                                                                std::string& why_not) const {
  const pipeline::LoadResult loaded = pipeline::deserialize_graph(s.tosa);
  if (!loaded.ok()) {
    why_not = "the one-op graph does not load: " + loaded.error->message;
    return std::nullopt;
  }
  const pipeline::Graph& g = *loaded.graph;
  const pipeline::Value v = input_value(s.input.dtype, s.input.shape, s.input.values);
  pipeline::InterpreterOptions opts;
  opts.cast_rule = c.target.cast_rule;
  auto outs = pipeline::run_graph(g, {{g.inputs.front(), v}}, opts);
  const pipeline::Value& y = outs.at(g.outputs.front());
  if (y.dtype != pipeline::DType::fp32) {
    why_not = "the one-op graph's output is not fp32";
    return std::nullopt;
  }
  return y.f32.to_vector();
}

std::unique_ptr<SystemUnderTest> make_reference_sut() {
  return std::make_unique<StagedSut>(std::make_unique<ReferenceLowering>(),
                                     std::make_unique<InterpreterRuntime>());
}

namespace {

// A rejection that names its codes: rejected when there is any.
RejectionObservation rejection(std::vector<std::string> codes, std::string message) {
  RejectionObservation r;
  r.rejected = !codes.empty();
  r.message = r.rejected ? std::move(message) : "the pipeline accepted the case";
  r.record["reported"] = codes;
  r.codes = std::move(codes);
  return r;
}

}  // namespace

RejectionObservation ReferenceLowering::reject(const generators::Case& c) const {
  std::vector<std::string> codes;
  std::string message;
  const generators::InvalidRule rule = *c.expect.rule;
  if (generators::stage(rule) == generators::RuleStage::model) {
    try {
      pipeline::parse_model(generators::break_model(rule, c.model, c.expect.variant));
    } catch (const io::JsonError& e) {
      codes.push_back(e.code());
      message = e.what();
    }
    return rejection(std::move(codes), std::move(message));
  }
  // The target (or a graph rule about it): what mxconf lowers, validated for that target.
  const BrokenGraph b = make_broken_graph(c);
  for (const auto& i :
       pipeline::validate_tosa(b.graph, generators::target_for(rule, c.target.profile))) {
    codes.push_back(std::string(pipeline::name(i.code)));
    if (message.empty()) message = i.message;
  }
  return rejection(std::move(codes), std::move(message));
}

RejectionObservation InterpreterRuntime::reject(const generators::Case&,
                                                const BrokenGraph& b) const {
  std::vector<std::string> codes;
  std::string message;
  for (const auto& i : pipeline::validate_tosa(b.graph, pipeline::Target::parse(kExecTarget))) {
    codes.push_back(std::string(pipeline::name(i.code)));
    if (message.empty()) message = i.message;
  }
  return rejection(std::move(codes), std::move(message));
}

}  // namespace mxconf::runner

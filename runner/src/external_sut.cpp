#include "mxconf/runner/external_sut.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/layout.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/package_format.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/tensor_files.h"

namespace mxconf::runner {
namespace {

namespace fs = std::filesystem;

// Exit codes with a meaning of their own (docs/external-sut.md; sut/common/adapter.py): the
// system cannot handle the case at all, or it (or its adapter) failed unexpectedly. Every other
// non-zero exit of a runtime on an ERROR_IF graph is a rejection.
constexpr int kExitUnsupported = 3;
constexpr int kExitInternal = 4;

bool unsupported(const ProcessOutcome& o) {
  return o.ok() == false && o.started && !o.timed_out && o.signal == 0 && o.error.empty() &&
         o.exit_code == kExitUnsupported;
}

// Why a command's outcome is no answer at all (it did not start, crashed, hung, or its adapter
// failed with exit 4), or empty for an answer (exit 0, or a refusal).
std::string crashed(const ProcessOutcome& o) {
  if (!o.started || o.timed_out || o.signal != 0 || !o.error.empty()) return o.describe();
  if (o.exit_code == kExitInternal) return "internal error (exit code 4)";
  return {};
}

// The one-line reason an adapter gives for "unsupported" (its last "unsupported: ..." line).
std::string unsupported_reason(const ProcessOutcome& o) {
  const std::string tag = "unsupported: ";
  const size_t at = o.stderr_tail.rfind(tag);
  if (at == std::string::npos) return "the system says it cannot handle this case (exit code 3)";
  const size_t end = o.stderr_tail.find('\n', at);
  return o.stderr_tail.substr(at + tag.size(),
                              end == std::string::npos ? std::string::npos : end - at - tag.size());
}

// Whether `program` (a path, or a name searched in PATH) holds kAdapterMarker in its first 4 KB.
bool is_mxconf_adapter(const std::string& program) {
  std::vector<fs::path> candidates;
  if (program.find('/') != std::string::npos) {
    candidates.push_back(program);
  } else if (const char* path = std::getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      candidates.push_back(fs::path(std::string(rest.substr(0, colon))) / program);
      rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    }
  }
  for (const fs::path& p : candidates) {
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::string head(4096, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(size_t(in.gcount()));
    return head.find(kAdapterMarker) != std::string::npos;
  }
  return false;
}

// What an adapter says of its versions: `PROGRAM FIXED_ARGS... --version-info` printing a JSON
// object (sut/common/adapter.py), within version_probe_seconds. Null for a command that is not
// asked (ExternalSutOptions::version_probe) or does not answer so.
nlohmann::json version_info(const CommandTemplate& t, const ExternalSutOptions& o,
                            const char* role) {
  std::vector<std::string> argv = t.expand({});
  argv.resize(t.fixed_prefix());
  using Probe = ExternalSutOptions::VersionProbe;
  if (o.version_probe == Probe::off || argv.empty() ||
      (o.version_probe == Probe::automatic && !is_mxconf_adapter(argv.front())))
    return nullptr;
  argv.push_back("--version-info");
  static std::atomic<uint64_t> counter{0};
  const fs::path logs =
      fs::temp_directory_path() / ("mxconf-versions-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(counter++) + "-" + role);
  const ProcessOutcome p = run_process(argv, o.version_probe_seconds, logs.string());
  nlohmann::json j = nullptr;
  std::error_code size_ec;
  if (p.ok() && fs::file_size(logs / "stdout.txt", size_ec) < (1u << 20) && !size_ec) {
    std::ifstream in(logs / "stdout.txt");
    j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) j = nullptr;
  }
  std::error_code ec;
  fs::remove_all(logs, ec);
  return j;
}

// Runs one external command for a case: a fresh process, or a request to a long-lived worker.
class Launcher {
 public:
  Launcher(const CommandTemplate& t, const ExternalSutOptions& o, const char* role)
      : t_(t), timeout_(o.timeout_seconds) {
    if (!o.worker) return;
    std::vector<std::string> argv = t.expand({});
    argv.resize(t.fixed_prefix());
    argv.push_back("--worker");
    pool_ = std::make_shared<WorkerPool>(argv, (fs::path(o.work_root) / "workers" / role).string(),
                                         o.worker_startup_seconds, o.worker_restarts);
  }
  ProcessOutcome run(const std::map<std::string, std::vector<std::string>>& values,
                     const fs::path& log_dir) const {
    const std::vector<std::string> argv = t_.expand(values);
    if (!pool_) return run_process(argv, timeout_, log_dir.string());
    return pool_->request({argv.begin() + long(t_.fixed_prefix()), argv.end()}, timeout_,
                          log_dir.string());
  }

 private:
  CommandTemplate t_;
  double timeout_;
  std::shared_ptr<WorkerPool> pool_;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  const size_t from = start == std::string::npos ? 0 : start + 1;
  return text.substr(from, end + 1 - from);
}

std::string command_failure(const char* what, const ProcessOutcome& o) {
  std::string s = std::string(what) + ": " + o.describe();
  const std::string line = last_line(o.stderr_tail);
  if (!line.empty()) s += "; stderr: " + line;
  return s;
}

// What a command did with an ERROR_IF input it should refuse: refused (a non-zero exit), ran it
// (exit 0: the rejection is missed), said unsupported (exit 3), or gave no answer (a crash, a
// hang, exit 4: an error of `stage`). `who` is "lowering" or "runtime".
RejectionObservation judge_refusal(const ProcessOutcome& run, Stage stage, const std::string& who,
                                   RejectionObservation r) {
  r.record[who] = "error";
  if (unsupported(run)) {
    r.record[who] = "unsupported";
    r.unsupported = unsupported_reason(run);
    return r;
  }
  if (!crashed(run).empty()) {
    r.failure = StageFailure{stage, command_failure(("the " + who + " command").c_str(), run)};
    r.trace.record["message"] = r.failure->message;
    return r;
  }
  r.rejected = run.exit_code != 0;
  r.record[who] = r.rejected ? "rejected" : "accepted";
  if (r.rejected)
    r.message = last_line(run.stderr_tail);
  else
    r.message = "the " + who + " took it and exited 0";
  return r;
}

// The case's work directory, made on first use; the trace owns it.
const fs::path& work_dir(SutTrace& trace, const ExternalSutOptions& o,
                         const std::shared_ptr<KeepBudget>& budget, const generators::Case& c) {
  if (!trace.work) {
    static std::atomic<uint64_t> counter{0};
    const fs::path dir =
        fs::path(o.work_root) / (generators::fingerprint(c) + "-" + std::to_string(counter++));
    trace.work = std::make_shared<WorkArea>(dir, o.keep_work, budget);
    if (trace.record.is_null()) trace.record = nlohmann::json::object();
    trace.record["work_dir"] = dir.string();
  }
  return trace.work->dir();
}

// Writes the exec work directory for a graph (its bytes, one input file per graph input in
// physical layout, a desc.json) and runs the command.
ProcessOutcome exec_graph(const Launcher& launch, const fs::path& dir, const pipeline::Graph& g,
                          const std::vector<uint8_t>& tosa, const std::vector<GraphInput>& inputs,
                          nlohmann::json& record) {
  fs::create_directories(dir / "out");
  io::write_file_atomic((dir / kTosaFile).string(), tosa);
  nlohmann::json desc = {{"tosa_file", kTosaFile}};
  desc.update(describe_graph_io(inputs, g.outputs));
  const std::vector<std::string> input_paths = write_graph_inputs(dir.string(), inputs);
  io::write_text_atomic((dir / kDescFile).string(), desc.dump(2) + "\n");
  const ProcessOutcome p = launch.run({{"tosa", {(dir / kTosaFile).string()}},
                                       {"inputs", input_paths},
                                       {"outdir", {(dir / "out").string()}},
                                       {"desc", {(dir / kDescFile).string()}},
                                       {"dir", {dir.string()}}},
                                      dir);
  record["sut_exec"] = p.to_json();
  return p;
}

// --sut-lower: the command writes the .tosa and mxconf loads it (tier s judges the graph).
class ExternalLowering final : public Lowering {
 public:
  ExternalLowering(const ExternalSutOptions& o, std::shared_ptr<KeepBudget> budget)
      : o_(o), launch_(o.lower, o, "lower"), budget_(std::move(budget)) {}
  Actor actor() const override { return Actor::sut; }
  std::string cli_options() const override { return " --sut-lower " + quote(o_.lower.text()); }
  nlohmann::json identity() const override { return o_.lower.text(); }
  nlohmann::json versions() const override { return version_info(o_.lower, o_, "lower"); }

  std::optional<Lowered> lower(const generators::Case& c, const PreparedCase& p,
                               Observation& obs) const override {
    const fs::path ld = work_dir(obs.trace, o_, budget_, c) / "lower";
    nlohmann::json& record = obs.trace.record;
    const fs::path out_tosa = ld / kTosaFile;
    try {
      write_model_files(c, p, ld);
    } catch (const std::exception& e) {
      obs.fail(stage::sut_lower, std::string("cannot write its inputs: ") + e.what());
      return std::nullopt;
    }
    const ProcessOutcome run = run_lowering(ld, c.target.profile.text);
    record["sut_lower"] = run.to_json();
    if (unsupported(run)) {
      obs.unsupported = unsupported_reason(run);
      return std::nullopt;
    }
    auto fail = [&](std::string why) {
      obs.fail(stage::sut_lower, std::move(why));
      return std::nullopt;
    };
    if (!run.ok()) return fail(command_failure("the lowering command", run));
    if (!fs::exists(out_tosa)) return fail("the lowering command wrote no " + out_tosa.string());
    Lowered out;
    try {
      out.tosa = io::read_file(out_tosa.string());
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    pipeline::LoadResult l = pipeline::deserialize_graph(out.tosa);
    if (!l.ok()) {
      obs.fail(stage::sut_load, "its .tosa does not load: " + std::string(name(l.error->code)) +
                                    ": " + l.error->message);
      return std::nullopt;
    }
    // Its validation and structure are tier (s)'s to judge, as for every system.
    out.graph = std::move(*l.graph);
    return out;
  }

  // A broken model, or the valid model for a target that lacks what it needs: the lowering must
  // refuse it (exit non-zero). Exit 3 is unsupported; a crash, a timeout or exit 4 an error.
  RejectionObservation reject(const generators::Case& c) const override {
    RejectionObservation r;
    const generators::InvalidRule rule = *c.expect.rule;
    const bool model_rule = generators::stage(rule) == generators::RuleStage::model;
    if (!model_rule && !o_.lower.uses("target") && !o_.lower.uses("case_json")) {
      r.unsupported = "ERROR_IF rule " + std::string(generators::name(rule)) +
                      " is about the target, and the lowering command is told no target (give "
                      "it {target} or {case_json})";
      return r;
    }
    const fs::path ld = work_dir(r.trace, o_, budget_, c) / "lower";
    std::string target = c.target.profile.text;
    try {
      if (model_rule) {
        fs::create_directories(ld);
        io::write_text_atomic(
            (ld / "model.json").string(),
            generators::break_model(rule, c.model, c.expect.variant).dump(2) + "\n");
        io::write_text_atomic((ld / kCaseFile).string(), generators::to_json(c).dump(2) + "\n");
      } else {
        generators::Case asked = c;
        asked.target.profile = generators::target_for(rule, c.target.profile);
        target = asked.target.profile.text;
        write_model_files(asked, prepare_case(c), ld);
      }
    } catch (const std::exception& e) {
      r.failure =
          StageFailure{stage::sut_lower, std::string("cannot write its inputs: ") + e.what()};
      return r;
    }
    const ProcessOutcome run = run_lowering(ld, target);
    r.trace.record["sut_lower"] = run.to_json();
    return judge_refusal(run, stage::sut_lower, "lowering", std::move(r));
  }

 private:
  ProcessOutcome run_lowering(const fs::path& ld, const std::string& target) const {
    return launch_.run({{"case", {(ld / "model.json").string()}},
                        {"case_json", {(ld / kCaseFile).string()}},
                        {"target", {target}},
                        {"out_tosa", {(ld / kTosaFile).string()}},
                        {"dir", {ld.string()}}},
                       ld);
  }

  // The model with its weights and biases as .npy files beside it, and the whole case.
  static void write_model_files(const generators::Case& c, const PreparedCase& p,
                                const fs::path& ld) {
    fs::create_directories(ld);
    pipeline::ModelSpec m = p.model;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      pipeline::LayerSpec& l = m.layers[i];
      const std::string stem = "layer" + std::to_string(i);
      write_activation_npy((ld / (stem + ".weight.npy")).string(), pipeline::DType::fp32,
                           pipeline::layer_op(l.geometry).weight_shape(l.geometry),
                           pipeline::layer_weights(l, i, ""));
      if (l.bias) {
        write_activation_npy((ld / (stem + ".bias.npy")).string(), pipeline::DType::fp32,
                             {l.out_width()}, pipeline::layer_bias(l, i, ""));
        l.bias_values =
            pipeline::ValueSource{pipeline::ValueSource::Kind::npy, 0, 0, {}, stem + ".bias.npy"};
      }
      l.weights = {pipeline::ValueSource::Kind::npy, 0, 0, {}, stem + ".weight.npy"};
    }
    io::write_text_atomic((ld / "model.json").string(), pipeline::to_json(m).dump(2) + "\n");
    generators::Case with_npy = c;
    with_npy.model = m;
    io::write_text_atomic((ld / kCaseFile).string(), generators::to_json(with_npy).dump(2) + "\n");
  }

  ExternalSutOptions o_;
  Launcher launch_;
  std::shared_ptr<KeepBudget> budget_;
};

// --sut-exec: the command runs the .tosa; mxconf reads its result file.
class ExternalRuntime final : public Runtime {
 public:
  ExternalRuntime(const ExternalSutOptions& o, std::shared_ptr<KeepBudget> budget)
      : o_(o), launch_(o.exec, o, "exec"), budget_(std::move(budget)) {}
  Actor actor() const override { return Actor::sut; }
  std::string cli_options() const override { return " --sut-exec " + quote(o_.exec.text()); }
  nlohmann::json identity() const override { return o_.exec.text(); }
  nlohmann::json versions() const override { return version_info(o_.exec, o_, "exec"); }

  void execute(const generators::Case& c, const PreparedCase& p, const Lowered& lowered,
               Observation& obs) const override {
    const pipeline::ModelSpec& m = p.model;
    const std::vector<float> physical =
        oracles::permute_dims(p.input, m.input.shape, m.input.dim_order);
    const pipeline::Tensor* in = lowered.graph.find(lowered.graph.inputs.front());
    if (in == nullptr || in->element_count() != int64_t(physical.size())) {
      obs.fail(stage::sut_lower, "the graph's input does not hold the model's input");
      return;
    }
    const fs::path ed = work_dir(obs.trace, o_, budget_, c) / "exec";
    ProcessOutcome run;
    try {
      run = exec_graph(launch_, ed, lowered.graph, lowered.tosa,
                       {{in->name, in->shape, m.input.dtype, physical}}, obs.trace.record);
    } catch (const std::exception& e) {
      obs.fail(stage::sut_exec, std::string("cannot write its inputs: ") + e.what());
      return;
    }
    if (unsupported(run)) {
      obs.unsupported = unsupported_reason(run);
      return;
    }
    if (!run.ok()) {
      obs.fail(stage::sut_exec, command_failure("the runtime command", run));
      return;
    }
    try {
      read_result_npy((ed / "out" / result_file_name(lowered.graph.outputs.front())).string(), m,
                      obs);
    } catch (const std::exception& e) {
      obs.fail(stage::sut_exec, std::string("its result: ") + e.what());
    }
  }

  bool runs_alone() const override { return true; }
  std::optional<std::vector<float>> run_alone(const generators::Case& c, const OpSlice& s,
                                              SutTrace& trace,
                                              std::string& why_not) const override {
    const fs::path dir = work_dir(trace, o_, budget_, c) / ("op-" + std::to_string(s.layer));
    nlohmann::json record;
    const ProcessOutcome run = exec_graph(launch_, dir, s.graph, s.tosa, {s.input}, record);
    trace.record["op_" + std::to_string(s.layer)] = record["sut_exec"];
    if (!run.ok()) {
      why_not = command_failure("the runtime command", run);
      return std::nullopt;
    }
    const fs::path file = dir / "out" / result_file_name(s.graph.outputs.front());
    const io::NpyFile a = io::NpyFile::open(file.string());
    const pipeline::Tensor* y = s.graph.find(s.graph.outputs.front());
    if (a.dtype() != io::NpyDtype::f4 || !y || a.shape() != y->shape) {
      why_not = file.string() + " is not the op's FP32" +
                pipeline::shape_string(y ? y->shape : std::vector<int64_t>{});
      return std::nullopt;
    }
    const auto v = a.values<float>();
    return std::vector<float>(v.begin(), v.end());
  }

  // A conforming runtime rejects the broken graph with a non-zero exit (not a crash or a
  // timeout).
  RejectionObservation reject(const generators::Case& c, const BrokenGraph& b) const override {
    RejectionObservation r;
    if (!b.tosa) {
      r.failure = StageFailure{stage::sut_exec, b.why_no_file};
      r.trace.record = {{"message", b.why_no_file}};
      return r;
    }
    const fs::path dir = work_dir(r.trace, o_, budget_, c) / "exec";
    ProcessOutcome run;
    try {
      run = exec_graph(launch_, dir, b.graph, *b.tosa, b.inputs, r.trace.record);
    } catch (const std::exception& e) {
      r.failure =
          StageFailure{stage::sut_exec, std::string("cannot write its inputs: ") + e.what()};
      return r;
    }
    return judge_refusal(run, stage::sut_exec, "runtime", std::move(r));
  }

 private:
  ExternalSutOptions o_;
  Launcher launch_;
  std::shared_ptr<KeepBudget> budget_;
};

}  // namespace

std::unique_ptr<SystemUnderTest> make_sut(const ExternalSutOptions& o) {
  std::unique_ptr<Lowering> lowering;
  std::unique_ptr<Runtime> runtime;
  auto budget = std::make_shared<KeepBudget>(o.keep_failures);  // one for both halves
  if (o.lower.empty()) {
    lowering = std::make_unique<ReferenceLowering>();
  } else {
    lowering = std::make_unique<ExternalLowering>(o, budget);
  }
  if (o.exec.empty()) {
    runtime = std::make_unique<InterpreterRuntime>();
  } else {
    runtime = std::make_unique<ExternalRuntime>(o, budget);
  }
  std::string common;
  if (!o.lower.empty() || !o.exec.empty()) {
    common = " --sut-timeout " + std::to_string(int(o.timeout_seconds));
    if (!o.python.empty()) common += " --sut-python " + quote(o.python);
    if (o.worker) {
      common += " --sut-worker --sut-startup ";
      common += std::to_string(int(o.worker_startup_seconds));
    }
  }
  if (o.require) common += " --require " + std::string(name(*o.require));
  return std::make_unique<StagedSut>(std::move(lowering), std::move(runtime), std::move(common));
}

}  // namespace mxconf::runner

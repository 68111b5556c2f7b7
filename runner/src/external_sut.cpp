#include "mxconf/runner/external_sut.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include "mxconf/generators/invalid_rules.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"

namespace mxconf::runner {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxStructureDifferences = 20;

fs::path unique_work_dir(const ExternalSut& sut, const generators::Case& c) {
  static std::atomic<uint64_t> counter{0};
  return fs::path(sut.work_root) /
         (generators::fingerprint(c) + "-" + std::to_string(counter.fetch_add(1)));
}

void write_text(const fs::path& p, const std::string& text) {
  io::write_file_atomic(p.string(), {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

std::string command_failure(const char* what, const ProcessOutcome& o) {
  std::string s = std::string(what) + ": " + o.describe();
  const std::string line = last_line(o.stderr_tail);
  if (!line.empty()) s += "; stderr: " + line;
  return s;
}

// Writes the exec work directory for graph g (bytes `tosa`, one value vector per graph input in
// physical layout) and runs the command. Returns its outcome.
ProcessOutcome exec_graph(const ExternalSut& sut, const fs::path& dir, const pipeline::Graph& g,
                          const std::vector<uint8_t>& tosa,
                          const std::vector<std::vector<float>>& inputs, nlohmann::json& details) {
  fs::create_directories(dir / "out");
  io::write_file_atomic((dir / kTosaFile).string(), tosa);
  nlohmann::json desc = {{"tosa_file", kTosaFile},
                         {"ifm_name", nlohmann::json::array()},
                         {"ifm_file", nlohmann::json::array()},
                         {"ofm_name", nlohmann::json::array()},
                         {"ofm_file", nlohmann::json::array()}};
  std::vector<std::string> input_paths;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const std::string file = "input-" + std::to_string(i) + ".npy";
    const pipeline::Tensor& t = *g.find(g.inputs[i]);
    write_activation_npy((dir / file).string(), t.dtype, t.shape, inputs[i]);
    input_paths.push_back((dir / file).string());
    desc["ifm_name"].push_back(g.inputs[i]);
    desc["ifm_file"].push_back(file);
  }
  for (const std::string& o : g.outputs) {
    desc["ofm_name"].push_back(o);
    desc["ofm_file"].push_back(result_file_name(o));
  }
  write_text(dir / "desc.json", desc.dump(2) + "\n");
  const ProcessOutcome o = run_process(sut.exec.expand({{"tosa", {(dir / kTosaFile).string()}},
                                                        {"inputs", input_paths},
                                                        {"outdir", {(dir / "out").string()}},
                                                        {"desc", {(dir / "desc.json").string()}},
                                                        {"dir", {dir.string()}}}),
                                       sut.timeout_seconds, dir.string());
  details["sut_exec"] = o.to_json();
  return o;
}

std::string shape_text(const pipeline::Tensor* t) {
  if (t == nullptr) return "(undeclared)";
  std::string s = std::string(pipeline::name(t->dtype)) + "[";
  for (size_t i = 0; i < t->shape.size(); ++i)
    s.append(i ? "," : "").append(std::to_string(t->shape[i]));
  return s + "]";
}

}  // namespace

std::string ExternalSut::cli_options() const {
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return q + "'";
  };
  std::string s;
  if (!lower.empty()) s += " --sut-lower " + quote(lower.text());
  if (!exec.empty()) s += " --sut-exec " + quote(exec.text());
  s += " --sut-timeout " + std::to_string(int(timeout_seconds));
  return s;
}

std::vector<std::string> compare_structure(const pipeline::Graph& reference,
                                           const pipeline::Graph& other) {
  auto compute_ops = [](const pipeline::Graph& g) {
    std::vector<const pipeline::Operator*> v;
    for (const auto& op : g.ops) {
      if (op.op != pipeline::OpKind::const_tensor && op.op != pipeline::OpKind::const_shape)
        v.push_back(&op);
    }
    return v;
  };
  const auto a = compute_ops(reference), b = compute_ops(other);
  std::vector<std::string> diffs;
  if (a.size() != b.size()) {
    diffs.push_back("op count: " + std::to_string(a.size()) + " in the reference, " +
                    std::to_string(b.size()) + " here");
  }
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (diffs.size() >= kMaxStructureDifferences) break;
    const std::string at = "op " + std::to_string(i) + " ";
    if (a[i]->op != b[i]->op) {
      diffs.push_back(at + std::string(pipeline::name(a[i]->op)) + " in the reference, " +
                      std::string(pipeline::name(b[i]->op)) + " here");
      continue;
    }
    for (size_t o = 0; o < std::min(a[i]->outputs.size(), b[i]->outputs.size()); ++o) {
      const std::string ra = shape_text(reference.find(a[i]->outputs[o]));
      const std::string rb = shape_text(other.find(b[i]->outputs[o]));
      if (ra != rb) {
        diffs.push_back(at + "(" + std::string(pipeline::name(a[i]->op)) + ") output " +
                        std::to_string(o) + ": " + ra + " in the reference, " + rb + " here");
      }
    }
  }
  return diffs;
}

PipelineRun run_external(const generators::Case& c, const PreparedCase& p, const ExternalSut& sut,
                         nlohmann::json& details) {
  PipelineRun run;
  const fs::path dir = unique_work_dir(sut, c);
  details["work_dir"] = dir.string();
  auto fail = [&](const char* stage, std::string why) {
    run.failed_stage = stage;
    run.error = std::move(why);
    return run;
  };
  const pipeline::Target target = pipeline::Target::parse(c.target.profile);
  if (!sut.lower.empty()) {
    pipeline::Graph reference;  // what the external graph's structure is compared with
    try {
      reference = pipeline::lower_model(p.model, "", c.lowering);
    } catch (const std::exception& e) {
      return fail("lower", e.what());
    }
    const fs::path ld = dir / "lower";
    fs::create_directories(ld);
    // The model with its weights and biases as .npy files beside it.
    pipeline::ModelSpec m = p.model;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      pipeline::LayerSpec& l = m.layers[i];
      const std::string stem = "layer" + std::to_string(i);
      write_activation_npy((ld / (stem + ".weight.npy")).string(), pipeline::DType::fp32,
                           {l.out_features, l.in_features}, pipeline::layer_weights(l, i, ""));
      if (l.bias) {
        write_activation_npy((ld / (stem + ".bias.npy")).string(), pipeline::DType::fp32,
                             {l.out_features}, pipeline::layer_bias(l, i, ""));
        l.bias_values = {pipeline::ValueSource::Kind::npy, 0, 0, {}, stem + ".bias.npy"};
      }
      l.weights = {pipeline::ValueSource::Kind::npy, 0, 0, {}, stem + ".weight.npy"};
    }
    write_text(ld / "model.json", pipeline::to_json(m).dump(2) + "\n");
    generators::Case with_npy = c;
    with_npy.model = m;
    write_text(ld / kCaseFile, generators::to_json(with_npy).dump(2) + "\n");
    const fs::path out_tosa = ld / kTosaFile;
    const ProcessOutcome o =
        run_process(sut.lower.expand({{"case", {(ld / "model.json").string()}},
                                      {"case_json", {(ld / kCaseFile).string()}},
                                      {"out_tosa", {out_tosa.string()}},
                                      {"dir", {ld.string()}}}),
                    sut.timeout_seconds, ld.string());
    details["sut_lower"] = o.to_json();
    if (!o.ok()) return fail("sut-lower", command_failure("the lowering command", o));
    if (!fs::exists(out_tosa))
      return fail("sut-lower", "the lowering command wrote no " + out_tosa.string());
    try {
      run.tosa = io::read_file(out_tosa.string());
    } catch (const std::exception& e) {
      return fail("sut-lower", e.what());
    }
    pipeline::LoadResult l = pipeline::deserialize_graph(run.tosa);
    if (!l.ok()) {
      return fail("sut-lower", "its .tosa does not load: " + std::string(name(l.error->code)) +
                                   ": " + l.error->message);
    }
    run.loaded = std::move(*l.graph);
    run.lowered = run.loaded;
    run.issues = pipeline::validate_tosa(run.loaded, target);
    if (!run.issues.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& i : run.issues)
        list.push_back({{"code", name(i.code)}, {"message", i.message}});
      details["validation"] = list;
      return fail("sut-lower",
                  "its graph breaks a TOSA rule: " + std::string(name(run.issues[0].code)) + ": " +
                      run.issues[0].message);
    }
    const std::vector<std::string> diffs = compare_structure(reference, run.loaded);
    details["structure"] = {{"same", diffs.empty()}, {"differences", diffs}};
  } else {
    run = lower_and_load(p.model, target, "", c.lowering);
    if (!run.failed_stage.empty()) return run;
  }
  if (run.loaded.inputs.size() != 1 || run.loaded.outputs.size() != 1) {
    return fail(sut.lower.empty() ? "load" : "sut-lower",
                "the graph has " + std::to_string(run.loaded.inputs.size()) + " inputs and " +
                    std::to_string(run.loaded.outputs.size()) +
                    " outputs; the model has one of each");
  }

  if (!sut.exec.empty()) {
    const std::vector<float> physical =
        permute_dims(p.input, p.model.input.shape, p.model.input.dim_order);
    const pipeline::Tensor* in = run.loaded.find(run.loaded.inputs.front());
    if (in == nullptr || in->element_count() != int64_t(physical.size()))
      return fail("sut-lower", "the graph's input does not hold the model's input");
    const fs::path ed = dir / "exec";
    const ProcessOutcome o = exec_graph(sut, ed, run.loaded, run.tosa, {physical}, details);
    if (!o.ok()) return fail("sut-exec", command_failure("the runtime command", o));
    try {
      read_result_npy((ed / "out" / result_file_name(run.loaded.outputs.front())).string(), p.model,
                      run);
    } catch (const std::exception& e) {
      return fail("sut-exec", std::string("its result: ") + e.what());
    }
    return run;
  }
  try {
    execute_loaded(p.model, p.input, c.target.cast_rule, run);
  } catch (const std::exception& e) {
    return fail("execute", e.what());
  }
  const pipeline::Tensor* out = run.loaded.find(run.loaded.outputs.front());
  const std::vector<int64_t> want = physical_output_shape(p.model);
  if (out == nullptr || out->shape != want) {
    pipeline::Tensor expected{"", want, p.model.output.dtype, std::nullopt};
    run.shape_error =
        "the graph's output is " + shape_text(out) + ", the model's is " + shape_text(&expected);
  }
  return run;
}

std::string run_external_invalid(const generators::Case& c, const ExternalSut& sut,
                                 nlohmann::json& details) {
  const auto rule = generators::parse_invalid_rule(c.expect.rule);
  if (!rule || generators::stage(*rule) != generators::RuleStage::graph) {
    details["message"] = "rule " + c.expect.rule + " has no .tosa form";
    return "error";
  }
  const fs::path dir = unique_work_dir(sut, c);
  details["work_dir"] = dir.string();
  pipeline::Graph g;
  std::vector<uint8_t> bytes;
  try {
    g = pipeline::lower_model(c.model, "", c.lowering);
    generators::break_graph(*rule, g);
    bytes = pipeline::serialize_graph(g);
  } catch (const std::exception& e) {
    details["message"] = std::string("the broken graph cannot be written: ") + e.what();
    return "error";
  }
  // The graph is to be rejected before any data matters: its inputs are zeros.
  std::vector<std::vector<float>> zeros;
  for (const std::string& name : g.inputs) {
    const pipeline::Tensor* in = g.find(name);
    if (in == nullptr || in->element_count() < 0) {
      details["message"] = "the broken graph's input '" + name + "' has no shape to write";
      return "error";
    }
    zeros.emplace_back(size_t(in->element_count()), 0.0f);
  }
  const ProcessOutcome o = exec_graph(sut, dir / "exec", g, bytes, zeros, details);
  if (!o.started || o.timed_out || o.signal != 0) {
    details["message"] = command_failure("the runtime command", o);
    return "error";
  }
  return o.exit_code != 0 ? "rejected" : "accepted";
}

}  // namespace mxconf::runner

#include "mxconf/runner/package_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/compliance.h"
#include "mxconf/oracles/layout.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/runner/broken_graph.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/judge_ops.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/tensor_files.h"
#include "mxconf/runner/tiers.h"

namespace mxconf::runner {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIndexKind = "mxconf-conformance-package";

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = char(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

void write_f64_npy(const fs::path& p, const std::vector<int64_t>& shape,
                   const std::vector<double>& v) {
  io::AtomicOutputs out;
  io::stage_npy(out, p.string(), io::NpyDtype::f8, shape, io::bytes_of(v));
  out.commit();
}

// test_requirements.extensions_required for a case's target: split, EXT-MX-COMMON and every
// layer's payload extension once, in layer order.
std::vector<std::string> extensions(const generators::Case& c, bool split) {
  if (!split) return c.target.profile.extensions;
  std::vector<std::string> ext = {"EXT-MX-COMMON"};
  for (const pipeline::LayerSpec& l : c.model.layers) {
    const std::string e = "EXT-MX-" + upper(formats::name(l.payload));
    if (std::find(ext.begin(), ext.end(), e) == ext.end()) ext.push_back(e);
  }
  if (c.target.profile.mx_conv) ext.emplace_back("EXT-MXFP-CONV");
  if (c.target.profile.bf16) ext.emplace_back("EXT-BF16");
  return ext;
}

// Everything a test directory holds but its case and desc.
struct TestFiles {
  std::vector<uint8_t> tosa;
  std::vector<GraphInput> inputs;
  // Valid cases: the fp64 reference, its bounds and the bit-exact target, physical layout.
  std::vector<int64_t> out_shape;
  std::vector<double> expected, bounds;
  std::vector<float> bit_exact;
  pipeline::DType out_dtype = pipeline::DType::fp32;
};

// A valid case: mxconf's lowering of it, its input and the oracle's reference.
nlohmann::json valid_test(const generators::Case& c, TestFiles& f) {
  const pipeline::ModelSpec& m = c.model;
  const PreparedCase p = prepare_case(c);
  Observation obs;
  std::optional<Lowered> lowered = lower_to_tosa(p.model, c.target.profile, c.lowering, obs);
  if (!lowered)
    throw std::runtime_error("mxconf's lowering failed at " +
                             std::string(name(obs.failure->stage)) + ": " + obs.failure->message);
  f.tosa = std::move(lowered->tosa);
  f.inputs.push_back({m.input.name, oracles::permuted_shape(m.input.shape, m.input.dim_order),
                      m.input.dtype,
                      oracles::permute_dims(p.input, m.input.shape, m.input.dim_order)});
  const OracleExpectation want = oracle_expectation(p, c.target.cast_rule);
  const auto& last = p.model.layers.back();
  const oracles::DotProductBounds bounds = oracles::mx_dot_product_bounds(ksb(last));
  const auto set = generators::tosa_set(c.data.campaign);
  f.out_shape = physical_output_shape(m);
  f.out_dtype = m.output.dtype;
  const std::vector<int64_t> logical = pipeline::output_shape(m);
  // The graph's output: the last op's exact value and bound, with a linear layer's bias ADD
  // folded in as one more term (tosa_verify checks the output as one dot product).
  std::vector<double> expected = want.exact_last(), bound = want.bound_last();
  for (size_t i = 0; i < want.layers.back().add_after.size(); ++i) {
    expected[i] += want.layers.back().add_after[i];
    bound[i] += std::fabs(want.layers.back().add_after[i]);
  }
  f.expected = oracles::permute_dims(expected, logical, m.output.dim_order);
  f.bounds = oracles::permute_dims(bound, logical, m.output.dim_order);
  f.bit_exact = oracles::permute_dims(want.pseudocode, logical, m.output.dim_order);
  nlohmann::json tensor = {{"data_type", m.output.dtype == pipeline::DType::bf16 ? "BF16" : "FP32"},
                           {"shape", f.out_shape}};
  // Where every bound is 0 the spec leaves no freedom: the output must be exactly 0.
  if (std::all_of(want.bound_last().begin(), want.bound_last().end(),
                  [](double b) { return b == 0; })) {
    tensor["mode"] = "EXACT";
  } else {
    tensor["mode"] = "DOT_PRODUCT";
    tensor["dot_product_info"] = {{"s", set ? *set : -1},
                                  {"ksb", bounds.ksb},
                                  {"abs_bound", bounds.abs_bound},
                                  {"variance_error_bound", bounds.variance_error_bound}};
  }
  // UNVERIFIED: the compliance-config schema version for 1.1 MX tests; "0.1" is the 1.0-era value.
  return {{"version", "0.1"}, {"tensors", {{m.output.name, tensor}}}};
}

}  // namespace

std::string package_test_name(const generators::Case& c) {
  const auto& m = c.model;
  const pipeline::LayerOp& op = pipeline::layer_op(generators::op_of(c));
  const std::string fp = generators::fingerprint(c).substr(0, 8);
  const std::string payloads = generators::payloads_text(m);
  const std::string stem(op.stem);
  if (c.expect.rule) {
    return stem + "_ERRORIF_" + std::string(generators::name(*c.expect.rule)) + "_" +
           pipeline::join_dims(m.input.shape, "x") + "_" + payloads + "_" + fp;
  }
  const auto set = generators::tosa_set(c.data.campaign);
  std::string data(generators::name(c.data.campaign));
  if (set) data = 's' + std::to_string(*set);
  return stem + "_" + op.test_geometry(m) + "_" + payloads + "_" +
         std::string(pipeline::io_dtype_name(m.input.dtype)) + "_" +
         (m.layers.back().bias ? "bias" : "nobias") + "_" + data + "_" + fp;
}

namespace {

// desc.json for case c, with `files` filled in (graph, inputs, references).
nlohmann::json describe_test(const generators::Case& c, const ExportOptions& opts, TestFiles& files,
                             std::string& why_not) {
  nlohmann::json desc = {{"tosa_file", kTosaFile}, {"expected_failure", !c.expect.valid()}};
  std::vector<std::string> outputs = {c.model.output.name};
  if (c.expect.rule) {
    BrokenGraph b = make_broken_graph(c);
    if (!b.tosa) {
      why_not = b.why_no_file;
      return nullptr;
    }
    files.tosa = std::move(*b.tosa);
    files.inputs = std::move(b.inputs);
    outputs = b.graph.outputs;
    desc["expected_failure_desc"] = "ERROR_IF " + std::string(generators::name(*c.expect.rule)) +
                                    ": a conforming system rejects the graph (" + c.expect.code +
                                    ")";
  } else if (!judge_op(c.model.layers.front().kind()).dot_product) {
    // The package's compliance block describes a dot product (DOT_PRODUCT, or EXACT where every
    // bound is 0). An embedding's output is checked per element by CAST_FROM_BLOCK_SCALED's own
    // criterion, which tosa_verify's FROM_BLOCK mode reads from the op's scale input; the
    // gathered scales are not an input of the graph, so no mode here would say it. Not exported
    // rather than exported with a criterion it does not have (its ERROR_IF cases are).
    why_not = "an MX embedding's valid case: the package's compliance modes describe a dot product";
    return nullptr;
  } else {
    desc["meta"]["compliance"] = valid_test(c, files);
  }
  desc.update(describe_graph_io(files.inputs, outputs));
  desc["test_requirements"] = {{"profiles_supported", {"FP"}},
                               {"extensions_required", extensions(c, opts.split_extension_names)},
                               {"bounds_file_required", c.expect.valid()}};
  desc["meta"]["mxconf"] = {{"fingerprint", generators::fingerprint(c)},
                            {"case_file", kCaseFile},
                            {"spec_revision", c.target.spec_revision}};
  if (c.expect.valid()) {
    desc["meta"]["mxconf"]["expected_file"] = "expected-0.npy";
    desc["meta"]["mxconf"]["bounds_file"] = "bounds-0.npy";
    desc["meta"]["mxconf"]["bit_exact_file"] = "expected_bitexact-0.npy";
  }
  return desc;
}

// Every file of the test directory, into `dir`.
void write_test_files(const fs::path& dir, const generators::Case& c, const TestFiles& files,
                      const nlohmann::json& desc) {
  fs::create_directories(dir);
  io::write_file_atomic((dir / kTosaFile).string(), files.tosa);
  write_graph_inputs(dir.string(), files.inputs);
  if (c.expect.valid()) {
    write_f64_npy(dir / "expected-0.npy", files.out_shape, files.expected);
    write_f64_npy(dir / "bounds-0.npy", files.out_shape, files.bounds);
    write_activation_npy((dir / "expected_bitexact-0.npy").string(), files.out_dtype,
                         files.out_shape, files.bit_exact);
  }
  io::write_text_atomic((dir / kCaseFile).string(), generators::to_json(c).dump(2) + "\n");
  io::write_text_atomic((dir / kDescFile).string(), desc.dump(2) + "\n");
}

}  // namespace

ExportOutcome write_test_dir(const generators::Case& c, const std::string& dir,
                             const ExportOptions& opts) {
  if (fs::exists(dir)) throw std::runtime_error(dir + " exists");
  ExportOutcome out;
  TestFiles files;
  nlohmann::json desc = describe_test(c, opts, files, out.reason);
  if (desc.is_null()) return out;
  // `dir` is complete or absent.
  io::write_directory_atomic(
      dir, [&](const std::string& staging) { write_test_files(staging, c, files, desc); });
  out.written = true;
  out.desc = std::move(desc);
  return out;
}

void write_package_index(const std::string& package_dir, const PackageIndex& index) {
  nlohmann::json tests = nlohmann::json::array(), skipped = nlohmann::json::array();
  for (const PackageTest& t : index.tests) {
    tests.push_back({{"name", t.name},
                     {"index", t.index},
                     {"fingerprint", t.fingerprint},
                     {"expected_failure", t.expected_failure},
                     {"desc", t.name + "/" + kDescFile}});
  }
  for (const PackageSkip& s : index.skipped)
    skipped.push_back({{"index", s.index}, {"fingerprint", s.fingerprint}, {"reason", s.reason}});
  const nlohmann::json j = {{"kind", kIndexKind},
                            {"version", kPackageFormatVersion},
                            {"complete", index.complete},
                            {"generation", index.generation},
                            {"provenance", index.provenance},
                            {"tests", tests},
                            {"skipped", skipped}};
  io::write_text_atomic((fs::path(package_dir) / kPackageIndex).string(), j.dump(2) + "\n");
}

PackageIndex read_package_index(const std::string& package_dir) {
  const fs::path path = fs::path(package_dir) / kPackageIndex;
  if (!fs::exists(path))
    throw std::runtime_error(package_dir + ": no index.json (not an mxconf conformance package)");
  const nlohmann::json j = io::read_json_file(path.string());
  if (!j.is_object() || j.value("kind", "") != kIndexKind || !j.contains("tests") ||
      !j["tests"].is_array())
    throw std::runtime_error(path.string() + " is not an mxconf package index");
  if (j.value("version", 0) != kPackageFormatVersion)
    throw std::runtime_error(path.string() + ": unsupported package version");
  PackageIndex index;
  index.complete = j.value("complete", false);
  index.generation = j.value("generation", nlohmann::json::object());
  index.provenance = j.value("provenance", nlohmann::json::object());
  for (size_t i = 0; i < j["tests"].size(); ++i) {
    const nlohmann::json& t = j["tests"][i];
    PackageTest pt;
    try {
      pt.name = t.at("name").get<std::string>();
      pt.fingerprint = t.at("fingerprint").get<std::string>();
      pt.index = t.value("index", uint64_t{0});
      pt.expected_failure = t.value("expected_failure", false);
    } catch (const std::exception& e) {
      throw std::runtime_error(path.string() + ": tests/" + std::to_string(i) + ": " + e.what());
    }
    index.tests.push_back(std::move(pt));
  }
  return index;
}

PackageIndex export_package(const CaseSource& cases, const std::string& dir,
                            const ExportOptions& opts, nlohmann::json generation,
                            nlohmann::json provenance, const std::atomic<bool>* stop) {
  PackageIndex index;
  index.generation = std::move(generation);
  index.provenance = std::move(provenance);
  std::map<std::string, std::string> by_fingerprint;  // identical cases are exported once
  uint64_t done = 0;
  std::string failure;
  for (uint64_t i = 0; i < cases.size() && !(stop && *stop); ++i, ++done) {
    try {
      const generators::Case c = cases.at(i);
      const std::string fp = generators::fingerprint(c);
      if (const auto it = by_fingerprint.find(fp); it != by_fingerprint.end()) {
        index.skipped.push_back({i, fp, "same case as " + it->second});
        continue;
      }
      const std::string name = package_test_name(c);
      const ExportOutcome out = write_test_dir(c, (fs::path(dir) / name).string(), opts);
      if (!out.written) {
        index.skipped.push_back({i, fp, out.reason});
        continue;
      }
      by_fingerprint[fp] = name;
      index.tests.push_back({name, i, fp, !c.expect.valid()});
    } catch (const std::exception& e) {
      failure = "case " + std::to_string(i) + ": " + e.what();
      break;
    }
  }
  index.complete = done == cases.size();
  write_package_index(dir, index);
  if (!failure.empty()) throw std::runtime_error(failure + " (index.json lists the tests written)");
  return index;
}

namespace {

// A name read from a package or results directory that becomes part of a path: one plain file
// name, so every path read stays inside the directory it was given (no "..", no "/").
const std::string& plain_name(const std::string& name, const std::string& what) {
  if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name[0] == '.' || name.find('\0') != std::string::npos)
    throw std::runtime_error("bad " + what + " '" + name +
                             "': a plain file name is needed (no '/', not starting with '.')");
  return name;
}

}  // namespace

PackagedCase read_package_test(const std::string& package_dir, const std::string& results_dir,
                               const PackageTest& t) {
  plain_name(t.name, "test name");
  const fs::path test = fs::path(package_dir) / t.name;
  const nlohmann::json desc = io::read_json_file((test / kDescFile).string());
  const auto ofm = desc.find("ofm_file");
  if (ofm == desc.end() || !ofm->is_array() || ofm->empty() || !(*ofm)[0].is_string())
    throw std::runtime_error("desc.json: ofm_file names no file");
  PackagedCase p;
  p.result_path =
      (fs::path(results_dir) / t.name / plain_name((*ofm)[0].get<std::string>(), "ofm_file"))
          .string();
  p.c = generators::load_case_file((test / kCaseFile).string());
  if (generators::fingerprint(p.c) != t.fingerprint)
    throw std::runtime_error("case.json does not match the fingerprint in index.json");
  return p;
}

nlohmann::json describe_graph_io(const std::vector<GraphInput>& inputs,
                                 const std::vector<std::string>& outputs) {
  nlohmann::json io = {{"ifm_name", nlohmann::json::array()},
                       {"ifm_file", nlohmann::json::array()},
                       {"ofm_name", outputs},
                       {"ofm_file", nlohmann::json::array()}};
  for (size_t i = 0; i < inputs.size(); ++i) {
    io["ifm_name"].push_back(inputs[i].name);
    io["ifm_file"].push_back(input_file_name(i));
  }
  for (const std::string& o : outputs) io["ofm_file"].push_back(result_file_name(o));
  return io;
}

std::string input_file_name(size_t i) {
  return "input-" + std::to_string(i) + ".npy";
}

std::vector<std::string> write_graph_inputs(const std::string& dir,
                                            const std::vector<GraphInput>& inputs) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < inputs.size(); ++i) {
    paths.push_back((fs::path(dir) / input_file_name(i)).string());
    write_activation_npy(paths.back(), inputs[i].dtype, inputs[i].shape, inputs[i].values);
  }
  return paths;
}

}  // namespace mxconf::runner

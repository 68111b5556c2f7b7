#include "mxconf/runner/conformance_package.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "mxconf/formats/scalar_types.h"
#include "mxconf/generators/invalid_rules.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/compliance.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"

namespace mxconf::runner {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<int64_t>& v, const char* sep) {
  std::string s;
  for (int64_t x : v) s.append(s.empty() ? "" : sep).append(std::to_string(x));
  return s;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = char(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

void write_bytes(const fs::path& p, std::span<const uint8_t> bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
}

void write_npy(const fs::path& p, io::NpyDtype t, const std::vector<int64_t>& shape,
               const void* data, size_t bytes) {
  write_bytes(p, io::serialize_npy(io::make_npy(t, shape, data, bytes)));
}

// A shape in physical order: physical dim j is logical dim order[j] (empty order: unchanged).
std::vector<int64_t> physical_shape(const std::vector<int64_t>& logical,
                                    const std::vector<int64_t>& order) {
  if (order.empty()) return logical;
  std::vector<int64_t> s(logical.size());
  for (size_t j = 0; j < s.size(); ++j) s[j] = logical[size_t(order[j])];
  return s;
}

std::vector<int64_t> logical_output_shape(const pipeline::ModelSpec& m) {
  std::vector<int64_t> s = m.input.shape;
  s.back() = m.layers.back().out_features;
  return s;
}

// test_requirements.extensions_required for a case's target.
std::vector<std::string> extensions(const generators::Case& c, bool split) {
  const pipeline::Target t = pipeline::Target::parse(c.target.profile);
  std::vector<std::string> ext;
  if (split) {
    ext = {"EXT-MX-COMMON", "EXT-MX-" + upper(formats::name(c.model.layers.front().payload))};
    if (t.bf16) ext.emplace_back("EXT-BF16");
    return ext;
  }
  // The case's own names: everything after "TOSA-x.y+FP".
  std::string_view text = c.target.profile;
  size_t start = 0;
  int token = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '+') {
      if (token++ >= 2) ext.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return ext;
}

}  // namespace

PreparedCase prepare_case(const generators::Case& c) {
  const auto campaign = generators::parse_campaign(c.data.campaign);
  if (!campaign) throw std::runtime_error("unknown campaign '" + c.data.campaign + "'");
  PreparedCase p;
  p.campaign = *campaign;
  p.model = generators::campaign_model(c.model, *campaign);
  p.input = generators::campaign_input(p.model, *campaign, c.data.seed,
                                       c.data.params.value("magnitude", 0));
  return p;
}

std::string package_test_name(const generators::Case& c) {
  const auto& m = c.model;
  const std::string fp = generators::fingerprint(c).substr(0, 8);
  const std::string payload(formats::name(m.layers.front().payload));
  if (!c.expect.valid) {
    return "mxfp_linear_ERRORIF_" + c.expect.rule + "_" + join(m.input.shape, "x") + "_" + payload +
           "_" + fp;
  }
  std::vector<int64_t> widths;
  for (const auto& l : m.layers) widths.push_back(l.out_features);
  const auto campaign = generators::parse_campaign(c.data.campaign);
  const auto set = campaign ? generators::tosa_set(*campaign) : std::nullopt;
  std::string data = c.data.campaign;
  if (set) data = std::string("s").append(std::to_string(*set));
  return "mxfp_linear_" + join(m.input.shape, "x") + "_w" + join(widths, "x") + "_" + payload +
         "_" + (m.input.dtype == pipeline::DType::bf16 ? "bf16" : "fp32") + "_" +
         (m.layers.back().bias ? "bias" : "nobias") + "_" + data + "_" + fp;
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

std::vector<int64_t> physical_output_shape(const pipeline::ModelSpec& m) {
  return physical_shape(logical_output_shape(m), m.output.dim_order);
}

ExportOutcome write_test_dir(const generators::Case& c, const std::string& dir,
                             const ExportOptions& opts) {
  ExportOutcome out;
  const fs::path final_dir(dir);
  if (fs::exists(final_dir)) throw std::runtime_error(dir + " exists");
  const pipeline::ModelSpec& m = c.model;
  nlohmann::json desc = {{"tosa_file", kTosaFile},
                         {"ifm_name", {m.input.name}},
                         {"ifm_file", {"input-0.npy"}},
                         {"ofm_name", {m.output.name}},
                         {"ofm_file", {result_file_name(m.output.name)}},
                         {"expected_failure", !c.expect.valid}};
  std::vector<uint8_t> tosa;
  // The graph inputs written as input-<i>.npy: shape, dtype and (physical) values.
  struct InputFile {
    std::vector<int64_t> shape;
    pipeline::DType dtype = pipeline::DType::fp32;
    std::vector<float> values;
  };
  std::vector<InputFile> inputs;
  oracles::DotProductBounds bounds;
  OracleExpectation want;
  const std::vector<int64_t> out_shape = physical_output_shape(m);
  if (!c.expect.valid) {
    const auto rule = generators::parse_invalid_rule(c.expect.rule);
    if (!rule) throw std::runtime_error("unknown invalid rule '" + c.expect.rule + "'");
    if (generators::stage(*rule) != generators::RuleStage::graph) {
      out.reason = "ERROR_IF rule " + c.expect.rule + " breaks the " +
                   (generators::stage(*rule) == generators::RuleStage::model ? "model" : "target") +
                   ", which a .tosa file cannot carry";
      return out;
    }
    pipeline::Graph g = pipeline::lower_model(m, "", c.lowering);
    generators::break_graph(*rule, g);
    try {
      tosa = pipeline::serialize_graph(g);
    } catch (const std::exception& e) {
      out.reason = "the broken graph cannot be serialized: " + std::string(e.what());
      return out;
    }
    // A broken graph may have no input or several outputs (desc.json lists them all); its
    // inputs are zeros: the graph is to be rejected before any data matters.
    nlohmann::json ifm_name = nlohmann::json::array(), ifm_file = nlohmann::json::array();
    nlohmann::json ofm_name = nlohmann::json::array(), ofm_file = nlohmann::json::array();
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const pipeline::Tensor* t = g.find(g.inputs[i]);
      if (t == nullptr || t->element_count() < 0) {
        out.reason = "the broken graph's input '" + g.inputs[i] + "' has no shape to write";
        return out;
      }
      const auto dtype =
          t->dtype == pipeline::DType::bf16 ? pipeline::DType::bf16 : pipeline::DType::fp32;
      inputs.push_back({t->shape, dtype, std::vector<float>(size_t(t->element_count()), 0.0f)});
      ifm_name.push_back(t->name);
      ifm_file.push_back("input-" + std::to_string(i) + ".npy");
    }
    for (const std::string& o : g.outputs) {
      ofm_name.push_back(o);
      ofm_file.push_back(result_file_name(o));
    }
    desc["ifm_name"] = ifm_name;
    desc["ifm_file"] = ifm_file;
    desc["ofm_name"] = ofm_name;
    desc["ofm_file"] = ofm_file;
    desc["expected_failure_desc"] = "ERROR_IF " + c.expect.rule +
                                    ": a conforming system rejects the graph (" + c.expect.code +
                                    ")";
  } else {
    const PreparedCase p = prepare_case(c);
    tosa = pipeline::serialize_graph(pipeline::lower_model(p.model, "", c.lowering));
    inputs.push_back({physical_shape(m.input.shape, m.input.dim_order), m.input.dtype,
                      permute_dims(p.input, m.input.shape, m.input.dim_order)});
    want = oracle_expectation(p.model, p.input, c.target.cast_rule);
    const auto& last = p.model.layers.back();
    bounds = oracles::mx_dot_product_bounds(last.in_features + (last.bias ? 1 : 0));
    const auto set = generators::tosa_set(p.campaign);
    const bool all_zero_bounds = std::all_of(want.bound_last.begin(), want.bound_last.end(),
                                             [](double b) { return b == 0; });
    nlohmann::json tensor = {
        {"data_type", m.output.dtype == pipeline::DType::bf16 ? "BF16" : "FP32"},
        {"shape", out_shape}};
    // Where every bound is 0 the spec leaves no freedom: the output must be exactly 0.
    if (all_zero_bounds) {
      tensor["mode"] = "EXACT";
    } else {
      tensor["mode"] = "DOT_PRODUCT";
      tensor["dot_product_info"] = {{"s", set ? *set : -1},
                                    {"ksb", bounds.ksb},
                                    {"abs_bound", bounds.abs_bound},
                                    {"variance_error_bound", bounds.variance_error_bound}};
    }
    // UNVERIFIED: the compliance-config schema version for 1.1 MX tests; "0.1" is the
    // 1.0-era value.
    desc["meta"]["compliance"] = {{"version", "0.1"}, {"tensors", {{m.output.name, tensor}}}};
  }
  desc["test_requirements"] = {{"profiles_supported", {"FP"}},
                               {"extensions_required", extensions(c, opts.split_extension_names)},
                               {"bounds_file_required", c.expect.valid}};
  desc["meta"]["mxconf"] = {{"fingerprint", generators::fingerprint(c)},
                            {"case_file", kCaseFile},
                            {"spec_revision", c.target.spec_revision}};

  const fs::path stage =
      final_dir.parent_path() / ("." + final_dir.filename().string() + ".partial");
  fs::remove_all(stage);
  try {
    fs::create_directories(stage);
    write_bytes(stage / kTosaFile, tosa);
    for (size_t i = 0; i < inputs.size(); ++i) {
      write_activation_npy((stage / ("input-" + std::to_string(i) + ".npy")).string(),
                           inputs[i].dtype, inputs[i].shape, inputs[i].values);
    }
    if (c.expect.valid) {
      const std::vector<int64_t> logical = logical_output_shape(m);
      const std::vector<double> exact = permute_dims(want.exact_last, logical, m.output.dim_order);
      const std::vector<double> bnd = permute_dims(want.bound_last, logical, m.output.dim_order);
      const std::vector<float> bits = permute_dims(want.pseudocode, logical, m.output.dim_order);
      write_npy(stage / "expected-0.npy", io::NpyDtype::f8, out_shape, exact.data(),
                exact.size() * 8);
      write_npy(stage / "bounds-0.npy", io::NpyDtype::f8, out_shape, bnd.data(), bnd.size() * 8);
      write_activation_npy((stage / "expected_bitexact-0.npy").string(), m.output.dtype, out_shape,
                           bits);
      desc["meta"]["mxconf"]["expected_file"] = "expected-0.npy";
      desc["meta"]["mxconf"]["bounds_file"] = "bounds-0.npy";
      desc["meta"]["mxconf"]["bit_exact_file"] = "expected_bitexact-0.npy";
    }
    const std::string case_text = generators::to_json(c).dump(2) + "\n";
    write_bytes(stage / kCaseFile,
                {reinterpret_cast<const uint8_t*>(case_text.data()), case_text.size()});
    const std::string desc_text = desc.dump(2) + "\n";
    write_bytes(stage / "desc.json",
                {reinterpret_cast<const uint8_t*>(desc_text.data()), desc_text.size()});
    fs::rename(stage, final_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(stage, ec);  // no half-written test directory
    throw;
  }
  out.written = true;
  out.desc = std::move(desc);
  return out;
}

void write_activation_npy(const std::string& path, pipeline::DType t,
                          const std::vector<int64_t>& shape, const std::vector<float>& values) {
  if (t == pipeline::DType::bf16) {
    std::vector<uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i) bits[i] = formats::float_to_bf16(values[i]);
    write_npy(path, io::NpyDtype::u2, shape, bits.data(), bits.size() * 2);
  } else {
    write_npy(path, io::NpyDtype::f4, shape, values.data(), values.size() * 4);
  }
}

void read_result_npy(const std::string& path, const pipeline::ModelSpec& m, PipelineRun& run) {
  if (!fs::exists(path)) throw std::runtime_error("no result file " + path);
  const io::NpyArray a = io::read_npy(path);
  const bool bf16 = m.output.dtype == pipeline::DType::bf16;
  std::vector<float> phys;
  if (a.dtype == io::NpyDtype::f4) {
    phys = a.as<float>();
  } else if (bf16 && a.dtype == io::NpyDtype::u2) {
    const std::vector<uint16_t> bits = a.as<uint16_t>();
    phys.resize(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) phys[i] = formats::bf16_to_float(bits[i]);
  } else {
    throw std::runtime_error(path + ": the output is " + std::string(bf16 ? "BF16" : "FP32") +
                             ", the file holds " + io::descr(a.dtype) +
                             (bf16 ? " (want <u2 bf16 bits or <f4)" : " (want <f4)"));
  }
  const std::vector<int64_t> want_shape = physical_output_shape(m);
  run.casts_observed = false;
  run.output_fp32_observed = !bf16;
  if (a.shape != want_shape) {
    run.shape_error = "the output has shape [" + join(a.shape, ", ") + "], the graph's is [" +
                      join(want_shape, ", ") + "]";
    return;
  }
  run.output = phys;
  if (!m.output.dim_order.empty()) {
    std::vector<int64_t> inverse(m.output.dim_order.size());
    for (size_t j = 0; j < inverse.size(); ++j) inverse[size_t(m.output.dim_order[j])] = int64_t(j);
    run.output = permute_dims(phys, want_shape, inverse);
  }
  run.output_fp32 = run.output;
}

}  // namespace mxconf::runner

#include "mxconf/generators/case.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "mxconf/io/json_reader.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"

namespace mxconf::generators {

pipeline::LayerKind op_of(const Case& c) {
  return c.model.layers.front().kind();
}

std::string payloads_text(const pipeline::ModelSpec& m) {
  const auto same = [&](const pipeline::LayerSpec& l) { return l.payload == m.layers[0].payload; };
  if (std::all_of(m.layers.begin(), m.layers.end(), same))
    return std::string(formats::name(m.layers[0].payload));
  std::string s;
  for (const pipeline::LayerSpec& l : m.layers) {
    if (!s.empty()) s += '-';
    s += formats::name(l.payload);
  }
  return s;
}

nlohmann::json to_json(const Case& c) {
  nlohmann::json expect = {{"valid", c.expect.valid()}};
  if (c.expect.rule) {
    expect["rule"] = name(*c.expect.rule);
    expect["code"] = c.expect.code;
    expect["variant"] = c.expect.variant;
  }
  nlohmann::json data = {
      {"campaign", name(c.data.campaign)}, {"seed", c.data.seed}, {"params", c.data.params}};
  if (c.data.campaign == Campaign::fixed) data["input_bits"] = c.data.input_bits;
  nlohmann::json j = {{"mxconf_case", kCaseFormatVersion},
                      {"model", pipeline::to_json(c.model)},
                      {"data", data},
                      {"target",
                       {{"profile", c.target.profile.text},
                        {"spec_revision", c.target.spec_revision},
                        {"cast_rule", formats::name(c.target.cast_rule)}}},
                      {"expect", expect}};
  // Only when set, so cases (and fingerprints) from before the option stay as they were.
  if (c.lowering.batched_matmul) j["lowering"]["batched_matmul"] = true;
  if (!c.lowering.fold_transposes) j["lowering"]["fold_transposes"] = false;
  if (c.lowering.reshape_after_cast) j["lowering"]["reshape_after_cast"] = true;
  return j;
}

Case case_from_json(const nlohmann::json& j) {
  io::JsonObject root(j, "");
  const int64_t version = root.integer("mxconf_case", 1, 1000);
  if (version != kCaseFormatVersion) {
    throw io::JsonError("/mxconf_case", "version " + std::to_string(version) + " is not supported");
  }
  Case c;
  try {
    c.model = pipeline::parse_model(root.get("model"));
  } catch (const io::JsonError& e) {
    throw io::JsonError("/model" + e.path(), e.message());
  }
  io::JsonObject data = root.object("data");
  const std::string campaign = data.string("campaign");
  const auto parsed = parse_campaign(campaign);
  if (!parsed) throw io::JsonError(data.child("campaign"), "unknown campaign '" + campaign + "'");
  c.data.campaign = *parsed;
  c.data.seed = uint64_t(data.integer("seed", 0, INT64_MAX));
  if (data.has("params")) {
    c.data.params = data.get("params");
    if (!c.data.params.is_object()) throw io::JsonError(data.child("params"), "expected an object");
  }
  if (c.data.campaign == Campaign::fixed) {
    for (int64_t bits : data.int_array("input_bits", 0, UINT32_MAX))
      c.data.input_bits.push_back(uint32_t(bits));
  }
  data.finish();
  io::JsonObject target = root.object("target");
  const std::string profile = target.string_or("profile", c.target.profile.text);
  try {
    c.target.profile = pipeline::Target::parse(profile);
  } catch (const std::invalid_argument& e) {
    throw io::JsonError(target.child("profile"), e.what());
  }
  c.target.spec_revision = target.string_or("spec_revision", c.target.spec_revision);
  const std::string rule =
      target.string_or("cast_rule", std::string(formats::name(formats::kDefaultCastRule)));
  const auto r = formats::parse_scale_rule(rule);
  if (!r) throw io::JsonError(target.child("cast_rule"), "'" + rule + "' is not a scale rule");
  c.target.cast_rule = *r;
  target.finish();
  if (root.has("lowering")) {
    io::JsonObject lowering = root.object("lowering");
    c.lowering.batched_matmul = lowering.boolean_or("batched_matmul", false);
    c.lowering.fold_transposes = lowering.boolean_or("fold_transposes", true);
    c.lowering.reshape_after_cast = lowering.boolean_or("reshape_after_cast", false);
    lowering.finish();
  }
  io::JsonObject expect = root.object("expect");
  if (!expect.boolean("valid")) {
    const std::string rule_name = expect.string("rule");
    c.expect.rule = parse_invalid_rule(rule_name);
    if (!c.expect.rule)
      throw io::JsonError(expect.child("rule"), "unknown invalid rule '" + rule_name + "'");
    c.expect.code = expect.string("code");
    // Absent in case files written before the variants cycled: the first point.
    c.expect.variant = uint32_t(expect.integer_or("variant", 0, 0, variants(*c.expect.rule) - 1));
  }
  expect.finish();
  root.finish();
  return c;
}

Case case_from_model(const nlohmann::json& model, const std::string& base_dir) {
  Case c;
  c.model = pipeline::parse_model(model);
  auto anchor = [&](pipeline::ValueSource& v) {
    if (v.kind == pipeline::ValueSource::Kind::npy && !base_dir.empty() &&
        std::filesystem::path(v.npy_path).is_relative())
      v.npy_path = (std::filesystem::path(base_dir) / v.npy_path).lexically_normal().string();
  };
  for (pipeline::LayerSpec& l : c.model.layers) {
    anchor(l.weights);
    if (l.bias_values) anchor(*l.bias_values);
  }
  c.target.profile = pipeline::Target::parse(pipeline::default_target_text(c.model));
  c.data.campaign = Campaign::uniform;
  c.data.seed = 0;
  return c;
}

Case case_from_any_json(const nlohmann::json& j, const std::string& base_dir) {
  if (j.is_object() && j.contains("case") && !j.contains("mxconf_case"))
    return case_from_json(j["case"]);  // a saved failure record
  if (j.is_object() && !j.contains("mxconf_case") && j.contains("layers"))
    return case_from_model(j, base_dir);
  return case_from_json(j);
}

Case load_case_file(const std::string& path) {
  return case_from_json(io::read_json_file(path));
}

std::string fingerprint(const Case& c) {
  const std::string canonical = to_json(c).dump();  // nlohmann objects keep keys sorted
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : canonical) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string case_name(const Case& c) {
  const pipeline::LayerOp& op = pipeline::layer_op(op_of(c));
  const auto& l0 = c.model.layers.front();
  std::string s = std::string(op.stem) + "_" + op.case_geometry(c.model) + "_" +
                  payloads_text(c.model) + "_" + std::string(formats::name(c.target.cast_rule)) +
                  "_" + (l0.bias ? "bias" : "nobias") + "_" + std::string(name(c.data.campaign)) +
                  "_" + std::to_string(c.data.seed % 100000);
  if (c.lowering.batched_matmul) s += "_batched";
  if (!c.lowering.fold_transposes) s += "_unfolded";
  if (c.lowering.reshape_after_cast) s += "_mxreshape";
  if (c.expect.rule) {
    s += "_ERRORIF_";
    s += name(*c.expect.rule);
    s += "_v" + std::to_string(c.expect.variant);
  }
  return s;
}

}  // namespace mxconf::generators

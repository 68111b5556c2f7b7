#include "mxconf/generators/case.h"

#include <cstdio>

#include "mxconf/io/json_reader.h"

namespace mxconf::generators {

CaseOp op_of(const Case& c) {
  return c.model.layers.front().kind == pipeline::LayerKind::conv2d ? CaseOp::mxfp_conv2d
                                                                    : CaseOp::mxfp_linear;
}

std::string_view name(CaseOp op) {
  switch (op) {
    case CaseOp::mxfp_linear:
      return "MXFP_LINEAR";
    case CaseOp::mxfp_conv2d:
      return "MXFP_CONV2D";
  }
  return "?";
}

std::optional<CaseOp> parse_case_op(std::string_view s) {
  for (CaseOp op : kAllCaseOps) {
    if (name(op) == s) return op;
  }
  return std::nullopt;
}

nlohmann::json to_json(const Case& c) {
  nlohmann::json expect = {{"valid", c.expect.valid()}};
  if (c.expect.rule) {
    expect["rule"] = name(*c.expect.rule);
    expect["code"] = c.expect.code;
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
    lowering.finish();
  }
  io::JsonObject expect = root.object("expect");
  if (!expect.boolean("valid")) {
    const std::string rule_name = expect.string("rule");
    c.expect.rule = parse_invalid_rule(rule_name);
    if (!c.expect.rule)
      throw io::JsonError(expect.child("rule"), "unknown invalid rule '" + rule_name + "'");
    c.expect.code = expect.string("code");
  }
  expect.finish();
  root.finish();
  return c;
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

namespace {

std::string pair_text(int64_t a, int64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}

std::string conv_case_name(const Case& c) {
  const auto& in = c.model.input.shape;
  const auto& l0 = c.model.layers.front();
  const auto& g = l0.conv;
  std::string s = "mxfp_conv2d_" + std::to_string(in[0]) + "x" + std::to_string(in[1]) + "x" +
                  std::to_string(in[2]) + "x" + std::to_string(in[3]) + "_k" +
                  std::to_string(g.kernel[0]) + "x" + std::to_string(g.kernel[1]) + "_s" +
                  pair_text(g.stride[0], g.stride[1]) + "_p";
  if (g.pad[0] == g.pad[1] && g.pad[2] == g.pad[3]) {
    s += pair_text(g.pad[0], g.pad[2]);
  } else {
    s += std::to_string(g.pad[0]) + "x" + std::to_string(g.pad[1]) + "x" +
         std::to_string(g.pad[2]) + "x" + std::to_string(g.pad[3]);
  }
  if (g.dilation[0] != 1 || g.dilation[1] != 1) s += "_d" + pair_text(g.dilation[0], g.dilation[1]);
  if (c.model.layers.size() > 1) s += "_l" + std::to_string(c.model.layers.size());
  s += "_oc" + std::to_string(c.model.layers.back().out_features) + "_" +
       std::string(formats::name(l0.payload)) + "_" +
       std::string(formats::name(c.target.cast_rule)) + "_" + (l0.bias ? "bias" : "nobias") + "_" +
       std::string(name(c.data.campaign)) + "_" + std::to_string(c.data.seed % 100000);
  if (!c.lowering.fold_transposes) s += "_unfolded";
  if (c.expect.rule) s += "_ERRORIF_" + std::string(name(*c.expect.rule));
  return s;
}

}  // namespace

std::string case_name(const Case& c) {
  if (op_of(c) == CaseOp::mxfp_conv2d) return conv_case_name(c);
  int64_t m = 1;
  for (size_t i = 0; i + 1 < c.model.input.shape.size(); ++i) m *= c.model.input.shape[i];
  const auto& l0 = c.model.layers.front();
  std::string s = "mxfp_linear_" + std::to_string(m) + "x" + std::to_string(l0.in_features) + "x" +
                  std::to_string(c.model.layers.back().out_features) + "_" +
                  std::string(formats::name(l0.payload)) + "_" +
                  std::string(formats::name(c.target.cast_rule)) + "_" +
                  (l0.bias ? "bias" : "nobias") + "_" + std::string(name(c.data.campaign)) + "_" +
                  std::to_string(c.data.seed % 100000);
  if (c.lowering.batched_matmul) s += "_batched";
  if (!c.lowering.fold_transposes) s += "_unfolded";
  if (c.expect.rule) s += "_ERRORIF_" + std::string(name(*c.expect.rule));
  return s;
}

}  // namespace mxconf::generators

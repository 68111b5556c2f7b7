#include "mxconf/generators/invalid_rules.h"

#include <algorithm>
#include <array>

#include "mxconf/formats/packing.h"

namespace mxconf::generators {
namespace {

constexpr std::array<std::string_view, size_t(InvalidRule::count)> kNames = {
    "k_not_multiple_of_32",    "mismatched_payloads", "missing_mxfp", "e8m0_without_mxfp",
    "wrong_scale_shape",       "batch_not_1_or_n",    "rank_zero",    "non_permutation_dim_order",
    "inconsistent_bias_length"};

using pipeline::DType;
using pipeline::Graph;
using pipeline::Operator;
using pipeline::OpKind;
using pipeline::Tensor;

Operator& first_matmul(Graph& g) {
  return *std::find_if(g.ops.begin(), g.ops.end(),
                       [](const Operator& o) { return o.op == OpKind::matmul_t_block_scaled; });
}

// Another payload type, with the weight constant re-encoded to its packing.
void swap_payload(Tensor& w) {
  const auto from = *pipeline::element_type(w.dtype);
  std::vector<uint8_t> codes;
  formats::unpack(from, *w.data, size_t(w.element_count()), codes);
  formats::ElementType to;
  switch (from) {
    case formats::ElementType::fp8e4m3:
      to = formats::ElementType::fp8e5m2;
      break;
    case formats::ElementType::fp6e2m3:
      to = formats::ElementType::fp6e3m2;
      break;
    case formats::ElementType::fp6e3m2:
      to = formats::ElementType::fp6e2m3;
      break;
    default:
      to = formats::ElementType::fp8e4m3;
      break;
  }
  for (uint8_t& c : codes) c &= uint8_t(formats::code_count(to) - 1);
  w.dtype = pipeline::dtype_of(to);
  w.data = formats::pack(to, codes);
}

}  // namespace

std::string_view name(InvalidRule r) {
  return kNames[size_t(r)];
}

std::optional<InvalidRule> parse_invalid_rule(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return InvalidRule(i);
  }
  return std::nullopt;
}

RuleStage stage(InvalidRule r) {
  switch (r) {
    case InvalidRule::k_not_multiple_of_32:
    case InvalidRule::non_permutation_dim_order:
    case InvalidRule::inconsistent_bias_length:
      return RuleStage::model;
    case InvalidRule::missing_mxfp:
      return RuleStage::target;
    default:
      return RuleStage::graph;
  }
}

bool depends_on_target(InvalidRule r) {
  return r == InvalidRule::missing_mxfp || r == InvalidRule::e8m0_without_mxfp;
}

std::string expected_code(InvalidRule r) {
  switch (r) {
    case InvalidRule::k_not_multiple_of_32:
      return "k_not_multiple_of_32";
    case InvalidRule::mismatched_payloads:
      return "payload_mismatch";
    case InvalidRule::missing_mxfp:
      return "extension_mx_payload";
    case InvalidRule::e8m0_without_mxfp:
      return "extension_e8m0";
    case InvalidRule::wrong_scale_shape:
      return "scale_shape";
    case InvalidRule::batch_not_1_or_n:
      return "batch_broadcast";
    case InvalidRule::rank_zero:
      return "rank_zero";
    case InvalidRule::non_permutation_dim_order:
      return "dim_order_not_permutation";
    case InvalidRule::inconsistent_bias_length:
      return "bias_length";
    case InvalidRule::count:
      break;
  }
  return "?";
}

nlohmann::json break_model(InvalidRule r, const pipeline::ModelSpec& m) {
  nlohmann::json j = pipeline::to_json(m);
  switch (r) {
    case InvalidRule::k_not_multiple_of_32: {
      const int64_t k = m.layers[0].in_features + 16;
      j["input"]["shape"].back() = k;
      j["layers"][0]["in_features"] = k;
      j["layers"][0]["weights"] = {{"seed", 1}};
      break;
    }
    case InvalidRule::non_permutation_dim_order: {
      std::vector<int64_t> order(m.input.shape.size(), 0);
      if (order.size() == 1) order[0] = 1;  // rank 1: the only permutation is [0]
      j["input"]["dim_order"] = order;
      break;
    }
    case InvalidRule::inconsistent_bias_length: {
      j["layers"][0]["bias"] = true;
      j["layers"][0]["bias_values"] = {
          {"values", std::vector<float>(size_t(m.layers[0].out_features + 1), 0.5f)}};
      break;
    }
    default:
      break;
  }
  return j;
}

void break_graph(InvalidRule r, Graph& g) {
  Operator& mm = first_matmul(g);
  Tensor& wq = *g.find(mm.inputs[2]);
  Tensor& ws = *g.find(mm.inputs[3]);
  switch (r) {
    case InvalidRule::mismatched_payloads:
      swap_payload(wq);
      break;
    case InvalidRule::wrong_scale_shape:
      ws.shape.back() += 1;
      ws.data->resize(size_t(ws.element_count()), 127);
      break;
    case InvalidRule::batch_not_1_or_n: {
      // D = N + 1 copies of the weights: neither 1 nor A's batch N (N > 1 when batched).
      const int64_t d = g.find(mm.inputs[0])->shape[0] + 1;
      wq.shape[0] = ws.shape[0] = d;
      const std::vector<uint8_t> q = *wq.data, s = *ws.data;
      for (int64_t i = 1; i < d; ++i) {
        wq.data->insert(wq.data->end(), q.begin(), q.end());
        ws.data->insert(ws.data->end(), s.begin(), s.end());
      }
      break;
    }
    case InvalidRule::e8m0_without_mxfp: {
      // Only the weight scale constant survives: an FP8UE8M0 tensor with no MX payload beside it.
      Graph only;
      only.add_tensor(ws);
      only.ops = {{OpKind::const_tensor, 67, {}, {ws.name}, {}}};
      only.outputs = {ws.name};
      g = std::move(only);
      break;
    }
    case InvalidRule::rank_zero: {
      Graph only;
      only.add_tensor({"x", {}, DType::fp32, std::nullopt});
      only.add_tensor({"q", {}, wq.dtype, std::nullopt});
      only.add_tensor({"s", {}, DType::fp8ue8m0, std::nullopt});
      Operator cast{OpKind::cast_to_block_scaled, 78, {"x"}, {"q", "s"}, {}};
      cast.attrs.block_size = 32;
      only.ops = {cast};
      only.inputs = {"x"};
      only.outputs = {"q", "s"};
      g = std::move(only);
      break;
    }
    default:
      break;
  }
}

pipeline::Target target_for(InvalidRule r, const pipeline::Target& profile) {
  const std::string bf16 = profile.bf16 ? "+bf16" : "";
  if (r == InvalidRule::missing_mxfp)
    return pipeline::Target::parse("TOSA-1.1+FP+EXT-MX-COMMON" + bf16);
  if (r == InvalidRule::e8m0_without_mxfp) return pipeline::Target::parse("TOSA-1.1+FP" + bf16);
  return profile;
}

}  // namespace mxconf::generators

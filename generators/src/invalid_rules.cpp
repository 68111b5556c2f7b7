#include "mxconf/generators/invalid_rules.h"

#include <algorithm>
#include <array>

#include "mxconf/formats/packing.h"

namespace mxconf::generators {
namespace {

constexpr std::array<std::string_view, size_t(InvalidRule::count)> kNames = {
    "k_not_multiple_of_32",
    "mismatched_payloads",
    "missing_mxfp",
    "e8m0_without_mxfp",
    "wrong_scale_shape",
    "batch_not_1_or_n",
    "rank_zero",
    "non_permutation_dim_order",
    "inconsistent_bias_length",
    "ic_not_multiple_of_32",
    "groups_not_1",
    "conv_negative_pad",
    "conv_stride_below_1",
    "conv_dilation_below_1",
    "conv_output_size",
    "conv_bias_not_oc_or_1",
    "conv_shape_operand_length",
    "conv_missing_extension",
    "conv_level_kernel",
    "conv_level_pad",
    "conv_level_stride"};

using pipeline::DType;
using pipeline::Graph;
using pipeline::Operator;
using pipeline::OpKind;
using pipeline::Tensor;

// The first op taking constant MX weights: MATMUL_T_BLOCK_SCALED or CONV2D_BLOCK_SCALED.
Operator& first_weighted(Graph& g) {
  return *std::find_if(g.ops.begin(), g.ops.end(), [](const Operator& o) {
    return o.op == OpKind::matmul_t_block_scaled || o.op == OpKind::conv2d_block_scaled;
  });
}

// Another payload type (the variant picks which of the four), with the weight constant
// re-encoded to its packing.
void swap_payload(Tensor& w, uint64_t variant) {
  const auto from = *pipeline::element_type(w.dtype);
  std::vector<uint8_t> codes;
  formats::unpack(from, *w.data, size_t(w.element_count()), codes);
  std::vector<formats::ElementType> others;
  for (formats::ElementType t : formats::kAllElementTypes)
    if (t != from) others.push_back(t);
  const formats::ElementType to = others[variant % others.size()];
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
    case InvalidRule::ic_not_multiple_of_32:
    case InvalidRule::groups_not_1:
      return RuleStage::model;
    case InvalidRule::missing_mxfp:
    case InvalidRule::conv_missing_extension:
      return RuleStage::target;
    default:
      return RuleStage::graph;
  }
}

bool depends_on_target(InvalidRule r) {
  return r == InvalidRule::missing_mxfp || r == InvalidRule::e8m0_without_mxfp ||
         r == InvalidRule::conv_missing_extension;
}

bool applies_to(InvalidRule r, pipeline::LayerKind kind) {
  const bool conv = kind == pipeline::LayerKind::conv2d;
  switch (r) {
    case InvalidRule::k_not_multiple_of_32:
    case InvalidRule::batch_not_1_or_n:
      return !conv;
    case InvalidRule::ic_not_multiple_of_32:
    case InvalidRule::groups_not_1:
    case InvalidRule::conv_negative_pad:
    case InvalidRule::conv_stride_below_1:
    case InvalidRule::conv_dilation_below_1:
    case InvalidRule::conv_output_size:
    case InvalidRule::conv_bias_not_oc_or_1:
    case InvalidRule::conv_shape_operand_length:
    case InvalidRule::conv_missing_extension:
    case InvalidRule::conv_level_kernel:
    case InvalidRule::conv_level_pad:
    case InvalidRule::conv_level_stride:
      return conv;
    default:
      return true;
  }
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
    case InvalidRule::ic_not_multiple_of_32:
      return "ic_not_multiple_of_32";
    case InvalidRule::groups_not_1:
      return "groups_unsupported";
    case InvalidRule::conv_negative_pad:
      return "conv_pad";
    case InvalidRule::conv_stride_below_1:
      return "conv_stride";
    case InvalidRule::conv_dilation_below_1:
      return "conv_dilation";
    case InvalidRule::conv_output_size:
      return "conv_output_size";
    case InvalidRule::conv_bias_not_oc_or_1:
      return "conv_bias_shape";
    case InvalidRule::conv_shape_operand_length:
      return "conv_rank";
    case InvalidRule::conv_missing_extension:
      return "extension_mx_conv";
    case InvalidRule::conv_level_kernel:
      return "level_kernel";
    case InvalidRule::conv_level_pad:
      return "level_pad";
    case InvalidRule::conv_level_stride:
      return "level_stride";
    case InvalidRule::count:
      break;
  }
  return "?";
}

nlohmann::json break_model(InvalidRule r, const pipeline::ModelSpec& m, uint64_t variant) {
  nlohmann::json j = pipeline::to_json(m);
  const size_t rank = m.input.shape.size();
  switch (r) {
    case InvalidRule::k_not_multiple_of_32:
    case InvalidRule::ic_not_multiple_of_32: {
      // Just past a multiple, halfway, and just short of the next one.
      const int64_t offsets[] = {1, 16, 31};
      const int64_t k = m.layers[0].in_features + offsets[variant % 3];
      const bool conv = r == InvalidRule::ic_not_multiple_of_32;
      j["input"]["shape"][conv ? 1 : rank - 1] = k;
      j["layers"][0][conv ? "in_channels" : "in_features"] = k;
      j["layers"][0]["weights"] = {{"seed", 1}};
      break;
    }
    case InvalidRule::groups_not_1:
      j["layers"][0]["groups"] = 2 + int64_t(variant % 3);
      break;
    case InvalidRule::non_permutation_dim_order: {
      // A repeated axis: all zeros, or the identity with its last axis replaced by the first.
      std::vector<int64_t> order(rank, 0);
      if (rank == 1) {
        order[0] = 1;  // rank 1: the only permutation is [0]
      } else if (variant % 2 == 1) {
        for (size_t d = 0; d + 1 < rank; ++d) order[d] = int64_t(d);
      }
      j["input"]["dim_order"] = order;
      break;
    }
    case InvalidRule::inconsistent_bias_length: {
      // N + 1, N - 1 (when N > 1) or no values at all.
      const int64_t n = m.layers[0].out_features;
      const int64_t lengths[] = {n + 1, n > 1 ? n - 1 : n + 2, 0};
      j["layers"][0]["bias"] = true;
      j["layers"][0]["bias_values"] = {
          {"values", std::vector<float>(size_t(lengths[variant % 3]), 0.5f)}};
      break;
    }
    default:
      break;
  }
  return j;
}

namespace {

void set_shape_values(Tensor& t, const std::vector<int64_t>& v) {
  t = pipeline::make_shape_const(t.name, v);
}

// A graph holding one CONV2D_BLOCK_SCALED of the payload `q` on a cast fp32 input [1, ih, 1, 32]
// with zero weights [1, kh, 1, 32]: for the level limits, whose breakage needs a geometry no
// generated model has, with every ERROR_IF still met (the output size exact and declared).
Graph standalone_conv(DType q, int64_t ih, int64_t kh, std::array<int64_t, 4> pad, int64_t stride,
                      int64_t dilation) {
  const int64_t oh = (ih - 1 + pad[0] + pad[1] - (kh - 1) * dilation) / stride + 1;
  Graph g;
  g.add_tensor({"x", {1, ih, 1, 32}, DType::fp32, std::nullopt});
  g.add_tensor({"xq", {1, ih, 1, 32}, q, std::nullopt});
  g.add_tensor({"xs", {1, ih, 1, 1}, DType::fp8ue8m0, std::nullopt});
  const auto elem = *pipeline::element_type(q);
  g.add_tensor(pipeline::make_const("w", q, {1, kh, 1, 32},
                                    formats::pack(elem, std::vector<uint8_t>(size_t(kh * 32), 0))));
  g.add_tensor(pipeline::make_const("ws", DType::fp8ue8m0, {1, kh, 1, 1},
                                    std::vector<uint8_t>(size_t(kh), 127)));
  g.add_tensor(pipeline::make_const("b", DType::fp32, {1}, std::vector<uint8_t>(4, 0)));
  g.add_tensor(pipeline::make_shape_const("pad", {pad[0], pad[1], pad[2], pad[3]}));
  g.add_tensor(pipeline::make_shape_const("stride", {stride, 1}));
  g.add_tensor(pipeline::make_shape_const("dilation", {dilation, 1}));
  g.add_tensor({"y", {1, oh, 1, 1}, DType::fp32, std::nullopt});
  Operator cast{OpKind::cast_to_block_scaled, 78, {"x"}, {"xq", "xs"}, {}};
  cast.attrs.block_size = 32;
  g.ops.push_back(cast);
  for (const char* c : {"w", "ws", "b"}) g.ops.push_back({OpKind::const_tensor, 67, {}, {c}, {}});
  for (const char* c : {"pad", "stride", "dilation"})
    g.ops.push_back({OpKind::const_shape, 75, {}, {c}, {}});
  Operator conv{OpKind::conv2d_block_scaled,
                94,
                {"xq", "xs", "w", "ws", "b", "pad", "stride", "dilation"},
                {"y"},
                {}};
  conv.attrs.block_size = 32;
  g.ops.push_back(conv);
  g.inputs = {"x"};
  g.outputs = {"y"};
  return g;
}

// The conv rules that edit the lowered graph's first CONV2D_BLOCK_SCALED.
void break_conv(InvalidRule r, Graph& g, Operator& conv, uint64_t variant) {
  Tensor& pad = *g.find(conv.inputs[5]);
  Tensor& stride = *g.find(conv.inputs[6]);
  Tensor& dilation = *g.find(conv.inputs[7]);
  const size_t axis = variant % 2;  // y or x
  switch (r) {
    case InvalidRule::conv_negative_pad: {
      std::vector<int64_t> p = pipeline::shape_values(pad);
      const int64_t values[] = {-1, -2, -8193};
      p[(variant / 2) % 4] = values[variant % 3];
      set_shape_values(pad, p);
      break;
    }
    case InvalidRule::conv_stride_below_1:
    case InvalidRule::conv_dilation_below_1: {
      Tensor& t = r == InvalidRule::conv_stride_below_1 ? stride : dilation;
      std::vector<int64_t> v = pipeline::shape_values(t);
      v[axis] = (variant / 2) % 2 == 0 ? 0 : -1;
      set_shape_values(t, v);
      break;
    }
    case InvalidRule::conv_output_size: {
      // A bottom (or right) pad 1-3 larger: with stride 1 the size grows, otherwise the division
      // stops being exact or the size grows by one; either way the declared output is wrong.
      std::vector<int64_t> p = pipeline::shape_values(pad);
      p[axis == 0 ? 1 : 3] += 1 + int64_t((variant / 2) % 3);
      set_shape_values(pad, p);
      break;
    }
    case InvalidRule::conv_bias_not_oc_or_1: {
      // BC = 0, OC + 1, or strictly between 1 and OC when there is room.
      const int64_t oc = g.find(conv.inputs[2])->shape[0];
      std::vector<int64_t> counts = {0, oc + 1};
      if (oc > 2) counts.insert(counts.end(), {2, oc - 1});
      if (counts.back() == 1 || counts.back() == oc) counts.pop_back();
      const int64_t bc = counts[variant % counts.size()];
      // A fresh constant: the layer's own bias keeps its shape for anyone else reading it.
      const std::string name = g.unique_name("broken_bias");
      g.add_tensor(
          pipeline::make_const(name, DType::fp32, {bc}, std::vector<uint8_t>(size_t(bc) * 4, 0)));
      g.ops.insert(g.ops.begin(), {OpKind::const_tensor, 67, {}, {name}, {}});
      first_weighted(g).inputs[4] = name;
      break;
    }
    case InvalidRule::conv_shape_operand_length: {
      // One value short or one too many: pad [4], stride [2] or dilation [2] by the variant.
      Tensor& t = variant % 3 == 0 ? pad : variant % 3 == 1 ? stride : dilation;
      std::vector<int64_t> v = pipeline::shape_values(t);
      if ((variant / 3) % 2 == 0) {
        v.pop_back();
      } else {
        v.push_back(1);
      }
      set_shape_values(t, v);
      break;
    }
    default:
      break;
  }
}

}  // namespace

void break_graph(InvalidRule r, Graph& g, uint64_t variant) {
  Operator& mm = first_weighted(g);
  if (mm.op == OpKind::conv2d_block_scaled &&
      (r == InvalidRule::conv_negative_pad || r == InvalidRule::conv_stride_below_1 ||
       r == InvalidRule::conv_dilation_below_1 || r == InvalidRule::conv_output_size ||
       r == InvalidRule::conv_bias_not_oc_or_1 || r == InvalidRule::conv_shape_operand_length)) {
    return break_conv(r, g, mm, variant);
  }
  const DType payload = g.find(mm.inputs[2])->dtype;
  const int64_t past = int64_t(variant % 3);  // how far past the limit: 0, 1 or 2
  switch (r) {
    case InvalidRule::conv_level_kernel:
      // dilation * KH = 8193, 8196 or 8199 with KH = 3 (just past MAX_KERNEL); pads of one
      // dilation each keep the size exact (OH = 1) and within the pad limit.
      g = standalone_conv(payload, 1, 3, {2731 + past, 2731 + past, 0, 0}, 1, 2731 + past);
      return;
    case InvalidRule::conv_level_pad:
      g = standalone_conv(payload, 1, 1, {8193 + past, 0, 0, 0}, 1, 1);
      return;
    case InvalidRule::conv_level_stride:
      g = standalone_conv(payload, 1, 1, {0, 0, 0, 0}, 8193 + past, 1);
      return;
    default:
      break;
  }
  Tensor& wq = *g.find(mm.inputs[2]);
  Tensor& ws = *g.find(mm.inputs[3]);
  switch (r) {
    case InvalidRule::mismatched_payloads:
      swap_payload(wq, variant);
      break;
    case InvalidRule::wrong_scale_shape: {
      // One block too many, one too few (when there are two), or one row too many.
      const int kind = int(variant % 3);
      if (kind == 1 && ws.shape.back() > 1) {
        ws.shape.back() -= 1;
      } else if (kind == 2) {
        ws.shape[ws.shape.size() - 2] += 1;
      } else {
        ws.shape.back() += 1;
      }
      ws.data->resize(size_t(ws.element_count()), 127);
      break;
    }
    case InvalidRule::batch_not_1_or_n: {
      // D = N + 1, 0, or strictly between 1 and N when there is room: neither 1 nor A's N.
      const int64_t n = g.find(mm.inputs[0])->shape[0];
      std::vector<int64_t> ds = {n + 1, 0};
      if (n > 2) ds.push_back(2 + int64_t(variant % uint64_t(n - 2)));
      const int64_t d = ds[variant % ds.size()];
      const std::vector<uint8_t> q = *wq.data, s = *ws.data;
      wq.shape[0] = ws.shape[0] = d;
      wq.data->clear();
      ws.data->clear();
      for (int64_t i = 0; i < d; ++i) {
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
  const std::string conv = profile.mx_conv ? "+mxfp_conv" : "";
  if (r == InvalidRule::missing_mxfp)
    return pipeline::Target::parse("TOSA-1.1+FP+EXT-MX-COMMON" + conv + bf16);
  if (r == InvalidRule::e8m0_without_mxfp) return pipeline::Target::parse("TOSA-1.1+FP" + bf16);
  if (r == InvalidRule::conv_missing_extension)
    return pipeline::Target::parse("TOSA-1.1+FP+mxfp" + bf16);
  return profile;
}

}  // namespace mxconf::generators

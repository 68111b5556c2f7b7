#include "mxconf/generators/invalid_rules.h"

#include <algorithm>
#include <array>

#include "mxconf/formats/packing.h"
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::generators {
namespace {

using pipeline::LayerKind;

// One row per rule: its name, where it acts, the typed code expected, the one operator it is
// about (none: every operator), and whether a runtime could judge it without being told the
// target.
struct RuleRow {
  InvalidRule rule;
  std::string_view name;
  RuleStage stage;
  std::string_view code;  // a pipeline::ValidationCode name, or a model error code
  // How many points around the boundary the rule is broken at (break_model / break_graph read
  // `variant` modulo this, as a mixed-radix number over the point's coordinates).
  uint32_t variants;
  std::optional<LayerKind> only;
  bool about_target = false;
};

constexpr RuleRow kRules[] = {
    {InvalidRule::k_not_multiple_of_32, "k_not_multiple_of_32", RuleStage::model,
     "k_not_multiple_of_32", 3, LayerKind::linear},
    {InvalidRule::mismatched_payloads, "mismatched_payloads", RuleStage::graph, "payload_mismatch",
     4, std::nullopt},
    {InvalidRule::missing_mxfp, "missing_mxfp", RuleStage::target, "extension_mx_payload", 1,
     std::nullopt, true},
    {InvalidRule::e8m0_without_mxfp, "e8m0_without_mxfp", RuleStage::graph, "extension_e8m0", 1,
     std::nullopt, true},
    {InvalidRule::wrong_scale_shape, "wrong_scale_shape", RuleStage::graph, "scale_shape", 3,
     std::nullopt},
    {InvalidRule::batch_not_1_or_n, "batch_not_1_or_n", RuleStage::graph, "batch_broadcast", 3,
     LayerKind::linear},
    {InvalidRule::rank_zero, "rank_zero", RuleStage::graph, "rank_zero", 1, std::nullopt},
    {InvalidRule::non_permutation_dim_order, "non_permutation_dim_order", RuleStage::model,
     "dim_order_not_permutation", 2, std::nullopt},
    {InvalidRule::inconsistent_bias_length, "inconsistent_bias_length", RuleStage::model,
     "bias_length", 3, std::nullopt},
    {InvalidRule::ic_not_multiple_of_32, "ic_not_multiple_of_32", RuleStage::model,
     "ic_not_multiple_of_32", 3, LayerKind::conv2d},
    {InvalidRule::groups_not_1, "groups_not_1", RuleStage::model, "groups_unsupported", 3,
     LayerKind::conv2d},
    {InvalidRule::conv_negative_pad, "conv_negative_pad", RuleStage::graph, "conv_pad", 12,
     LayerKind::conv2d},
    {InvalidRule::conv_stride_below_1, "conv_stride_below_1", RuleStage::graph, "conv_stride", 4,
     LayerKind::conv2d},
    {InvalidRule::conv_dilation_below_1, "conv_dilation_below_1", RuleStage::graph, "conv_dilation",
     4, LayerKind::conv2d},
    {InvalidRule::conv_output_size, "conv_output_size", RuleStage::graph, "conv_output_size", 6,
     LayerKind::conv2d},
    {InvalidRule::conv_bias_not_oc_or_1, "conv_bias_not_oc_or_1", RuleStage::graph,
     "conv_bias_shape", 4, LayerKind::conv2d},
    {InvalidRule::conv_shape_operand_length, "conv_shape_operand_length", RuleStage::graph,
     "conv_rank", 6, LayerKind::conv2d},
    {InvalidRule::conv_missing_extension, "conv_missing_extension", RuleStage::target,
     "extension_mx_conv", 1, LayerKind::conv2d, true},
    {InvalidRule::conv_level_kernel, "conv_level_kernel", RuleStage::graph, "level_kernel", 3,
     LayerKind::conv2d},
    {InvalidRule::conv_level_pad, "conv_level_pad", RuleStage::graph, "level_pad", 3,
     LayerKind::conv2d},
    {InvalidRule::conv_level_stride, "conv_level_stride", RuleStage::graph, "level_stride", 3,
     LayerKind::conv2d},
    // ERROR_IF(C % block_size != 0) of ROW_GATHER_BLOCK_SCALED, caught in the model.
    {InvalidRule::embedding_dim_not_multiple_of_32, "embedding_dim_not_multiple_of_32",
     RuleStage::model, "embedding_dim_not_multiple_of_32", 3, LayerKind::embedding},
};
static_assert(std::size(kRules) == size_t(InvalidRule::count));

const RuleRow& row(InvalidRule r) {
  return kRules[size_t(r)];  // in enum order (checked by InvalidRules.TableIsInEnumOrder)
}

using pipeline::DType;
using pipeline::Graph;
using pipeline::Operator;
using pipeline::OpKind;
using pipeline::Tensor;

// The first op taking a layer's constant MX weights (MATMUL_T_BLOCK_SCALED, CONV2D_BLOCK_SCALED).
Operator& first_weighted(Graph& g) {
  return *std::find_if(g.ops.begin(), g.ops.end(),
                       [](const Operator& o) { return pipeline::is_layer_tosa_op(o.op); });
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
  return row(r).name;
}

std::optional<InvalidRule> parse_invalid_rule(std::string_view s) {
  for (const RuleRow& r : kRules) {
    if (r.name == s) return r.rule;
  }
  return std::nullopt;
}

RuleStage stage(InvalidRule r) {
  return row(r).stage;
}

bool depends_on_target(InvalidRule r) {
  return row(r).about_target;
}

uint32_t variants(InvalidRule r) {
  return row(r).variants;
}

bool applies_to(InvalidRule r, pipeline::LayerKind kind) {
  if (row(r).only) return *row(r).only == kind;
  // The shared rules break a layer's activation cast, its dot product's operands, its bias or
  // its float input's layout; a layer that reads indices (an embedding) has none of them.
  return !pipeline::layer_op(kind).index_input;
}

std::string expected_code(InvalidRule r) {
  return std::string(row(r).code);
}

bool rule_table_in_enum_order() {
  for (size_t i = 0; i < std::size(kRules); ++i) {
    if (size_t(kRules[i].rule) != i) return false;
  }
  return true;
}

nlohmann::json break_model(InvalidRule r, const pipeline::ModelSpec& m, uint64_t variant) {
  nlohmann::json j = pipeline::to_json(m);
  const size_t rank = m.input.shape.size();
  switch (r) {
    case InvalidRule::k_not_multiple_of_32:
    case InvalidRule::ic_not_multiple_of_32: {
      // Just past a multiple, halfway, and just short of the next one; along the first layer's
      // K axis, in the input and in the layer alike.
      const pipeline::LayerOp& op = pipeline::layer_op(m.layers[0].geometry);
      const int64_t offsets[] = {1, 16, 31};
      const int64_t k = m.layers[0].in_width() + offsets[variant % 3];
      j["input"]["shape"][op.k_axis(rank)] = k;
      j["layers"][0][std::string(op.in_key)] = k;
      j["layers"][0]["weights"] = {{"seed", 1}};
      break;
    }
    case InvalidRule::embedding_dim_not_multiple_of_32: {
      const int64_t offsets[] = {1, 16, 31};
      j["layers"][0]["embedding_dim"] =
          m.layers[0].out_width() + offsets[variant % std::size(offsets)];
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
      const int64_t n = m.layers[0].out_width();
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
      p[(variant / 3) % 4] = values[variant % 3];  // every pad, pad_right included
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

// MXFP Conv2d through the pipeline: the conv2d model format (and its errors), the graph
// RewriteMxfpConv2d makes (ExecuTorch's shape, operand by operand), FoldTransposes in both forms,
// CONV2D_BLOCK_SCALED's validation messages, and a lowered conv run against the oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "mxconf/io/json_reader.h"
#include "mxconf/oracles/conv_ref.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::pipeline {
namespace {

nlohmann::json conv_json() {
  return nlohmann::json::parse(R"({
    "mxconf_model": 1,
    "input": {"shape": [2, 64, 7, 5], "dim_order": [0, 2, 3, 1]},
    "layers": [
      {"type": "conv2d", "in_channels": 64, "out_channels": 32, "kernel": [3, 2],
       "stride": [2, 1], "padding": [1, 0], "dilation": 1, "bias": true, "payload": "fp8e4m3",
       "weights": {"seed": 3}},
      {"type": "conv2d", "in_channels": 32, "out_channels": 5, "kernel": 1,
       "pad": [0, 1, 2, 0], "payload": "fp8e4m3", "weights": {"seed": 4}}
    ]
  })");
}

size_t count(const Graph& g, OpKind k) {
  return size_t(
      std::count_if(g.ops.begin(), g.ops.end(), [&](const Operator& o) { return o.op == k; }));
}

std::string error_code(const nlohmann::json& j) {
  try {
    parse_model(j);
  } catch (const io::JsonError& e) {
    return e.code() + " at " + e.path();
  }
  return "accepted";
}

TEST(ConvModel, ParsesTorchArgumentsAndRoundTrips) {
  const ModelSpec m = parse_model(conv_json());
  ASSERT_EQ(m.layers.size(), 2u);
  const LayerSpec& l = m.layers[0];
  EXPECT_EQ(l.kind(), LayerKind::conv2d);
  const auto& c0 = std::get<Conv2dGeom>(l.geometry);
  const auto& c1 = std::get<Conv2dGeom>(m.layers[1].geometry);
  EXPECT_EQ(c0.kernel, (std::array<int64_t, 2>{3, 2}));
  EXPECT_EQ(c0.stride, (std::array<int64_t, 2>{2, 1}));
  EXPECT_EQ(c0.pad, (std::array<int64_t, 4>{1, 1, 0, 0})) << "torch's [ph, pw] expanded";
  EXPECT_TRUE(c0.symmetric);
  EXPECT_EQ(c1.pad, (std::array<int64_t, 4>{0, 1, 2, 0}));
  EXPECT_FALSE(c1.symmetric);
  const LayerOp& op = layer_op(l.geometry);
  EXPECT_EQ(op.weight_shape(l.geometry), (std::vector<int64_t>{32, 64, 3, 2}));
  EXPECT_EQ(op.stored_weight_shape(l.geometry), (std::vector<int64_t>{32, 3, 2, 64}));
  EXPECT_EQ(op.fan_in(l.geometry), 64 * 3 * 2);
  // OH = (7 - 1 + 2 - 2) / 2 + 1 = 4, OW = (5 - 1 + 0 - 1) / 1 + 1 = 4; then 1x1 with pads.
  EXPECT_EQ(layer_output_shapes(m)[0], (std::vector<int64_t>{2, 32, 4, 4}));
  EXPECT_EQ(output_shape(m), (std::vector<int64_t>{2, 5, 5, 6}));
  EXPECT_EQ(parse_model(to_json(m)), m);
  // Inline weights are nested [OC][IC][KH][KW] and come back the same.
  ModelSpec inline_weights = m;
  inline_weights.layers[1].weights.kind = ValueSource::Kind::values;
  inline_weights.layers[1].weights.seed = 0;
  inline_weights.layers[1].weights.values = layer_weights(m.layers[1], 1, "");
  const nlohmann::json j = to_json(inline_weights);
  EXPECT_EQ(j["layers"][1]["weights"]["values"].size(), 5u);
  EXPECT_EQ(j["layers"][1]["weights"]["values"][0].size(), 32u);
  EXPECT_EQ(j["layers"][1]["weights"]["values"][0][0][0].size(), 1u);
  EXPECT_EQ(parse_model(j), inline_weights);
}

TEST(ConvModel, BadLayersAreTypedErrorsWithTheirPath) {
  auto with = [](auto edit) {
    nlohmann::json j = conv_json();
    edit(j);
    return error_code(j);
  };
  EXPECT_EQ(with([](auto& j) { j["layers"][0]["groups"] = 2; }),
            "groups_unsupported at /layers/0/groups");
  EXPECT_EQ(with([](auto& j) {
              j["layers"][0]["in_channels"] = 48;
              j["input"]["shape"][1] = 48;
            }),
            "ic_not_multiple_of_32 at /layers/0/in_channels");
  EXPECT_EQ(with([](auto& j) { j["layers"][1]["in_channels"] = 64; }),
            "in_channels_mismatch at /layers/1/in_channels");
  // (7 - 1 + 0 + 0 - 2) / 3 is not exact: TOSA's idiv_check.
  EXPECT_EQ(with([](auto& j) {
              j["layers"][0]["stride"] = 3;
              j["layers"][0]["padding"] = 0;
            }),
            "conv_output_size at /layers/0/kernel");
  EXPECT_EQ(with([](auto& j) {
              j["layers"][0]["kernel"] = nlohmann::json::array({10, 1});
            }),
            "conv_output_size at /layers/0/kernel");
  EXPECT_EQ(with([](auto& j) {
              j["input"]["shape"] = {64, 7};
              j["input"].erase("dim_order");
            }),
            "conv_input_rank at /input/shape");
  EXPECT_EQ(with([](auto& j) {
              j["layers"][1] = {{"in_features", 32},
                                {"out_features", 3},
                                {"payload", "fp8e4m3"},
                                {"weights", {{"seed", 1}}}};
            }),
            "mixed_layer_types at /layers/1/type");
  EXPECT_EQ(with([](auto& j) { j["layers"][0]["type"] = "conv3d"; }),
            "unknown_layer_type at /layers/0/type");
  // CONV2D_BLOCK_SCALED has no MXINT8 row in its type support (tosa.xml); MATMUL_T does.
  EXPECT_EQ(with([](auto& j) { j["layers"][0]["payload"] = "mxint8"; }),
            "unsupported_payload at /layers/0/payload");
  EXPECT_NE(with([](auto& j) { j["layers"][1]["pad"] = {0, 1, 2}; }), "accepted");
  EXPECT_NE(with([](auto& j) { j["layers"][1]["padding"] = 1; }), "accepted") << "pad and padding";
  EXPECT_NE(with([](auto& j) { j["layers"][0]["stride"] = 0; }), "accepted");
  EXPECT_NE(with([](auto& j) { j["layers"][1]["weights"] = {{"values", {{1.0}}}}; }), "accepted");
}

// ExecuTorch's graph shape, unfolded: per conv TRANSPOSE [0,2,3,1], CAST_TO_BLOCK_SCALED,
// CONV2D_BLOCK_SCALED with its eight operands in the spec's order, TRANSPOSE [0,3,1,2].
TEST(ConvLowering, UnfoldedGraphHasExecuTorchsShapeOperandByOperand) {
  ModelSpec m = parse_model(conv_json());
  m.input.dim_order.clear();
  LowerOptions o;
  o.fold_transposes = false;
  const Graph g = lower_model(m, "", o);
  EXPECT_EQ(count(g, OpKind::conv2d_block_scaled), 2u);
  EXPECT_EQ(count(g, OpKind::transpose), 4u);
  const Operator& conv = *std::find_if(g.ops.begin(), g.ops.end(), [](const Operator& op) {
    return op.op == OpKind::conv2d_block_scaled;
  });
  ASSERT_EQ(conv.inputs.size(), 8u);
  EXPECT_EQ(conv.attrs.block_size, 32u);
  auto t = [&](size_t i) { return *g.find(conv.inputs[i]); };
  EXPECT_EQ(t(0).shape, (std::vector<int64_t>{2, 7, 5, 64}));
  EXPECT_EQ(t(0).dtype, DType::fp8e4m3);
  EXPECT_EQ(t(1).shape, (std::vector<int64_t>{2, 7, 5, 2}));
  EXPECT_EQ(t(2).shape, (std::vector<int64_t>{32, 3, 2, 64})) << "OHWI";
  EXPECT_EQ(t(3).shape, (std::vector<int64_t>{32, 3, 2, 2}));
  EXPECT_EQ(t(4).shape, (std::vector<int64_t>{32}));
  EXPECT_EQ(shape_values(t(5)), (std::vector<int64_t>{1, 1, 0, 0})) << "pad before stride";
  EXPECT_EQ(shape_values(t(6)), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(shape_values(t(7)), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(g.find(conv.outputs[0])->shape, (std::vector<int64_t>{2, 4, 4, 32}));
  // The second layer has no bias: the op gets a zero [OC] constant.
  const Operator& second = *std::find_if(g.ops.rbegin(), g.ops.rend(), [](const Operator& op) {
    return op.op == OpKind::conv2d_block_scaled;
  });
  const Tensor& zero = *g.find(second.inputs[4]);
  EXPECT_EQ(zero.shape, (std::vector<int64_t>{5}));
  EXPECT_TRUE(std::all_of(zero.data->begin(), zero.data->end(), [](uint8_t b) { return b == 0; }));
  EXPECT_TRUE(validate_tosa(g, Target::parse("TOSA-1.1+FP+mxfp+mxfp_conv")).empty());
}

// The weight constant is OHWI: element (o, ky, kx, i) is the torch weight [o][i][ky][kx].
TEST(ConvLowering, WeightsArePermutedToOhwiBeforeTheirBlocksAreCast) {
  nlohmann::json j = conv_json();
  j["layers"][0]["payload"] = "fp8e4m3";
  const ModelSpec m = parse_model(j);
  const Graph g = lower_model(m);
  const Tensor& w = *g.find("layer0.weight.q");
  const Tensor& s = *g.find("layer0.weight.scale");
  const std::vector<float> torch = layer_weights(m.layers[0], 0, "");
  std::vector<float> ohwi(torch.size());
  for (int64_t o = 0; o < 32; ++o)
    for (int64_t i = 0; i < 64; ++i)
      for (int64_t y = 0; y < 3; ++y)
        for (int64_t x = 0; x < 2; ++x)
          ohwi[size_t(((o * 3 + y) * 2 + x) * 64 + i)] =
              torch[size_t(((o * 64 + i) * 3 + y) * 2 + x)];
  std::vector<uint8_t> codes, scales;
  oracles::quantize_rows(*oracles::format_by_name("fp8e4m3"), oracles::ScalePolicy::rceil, ohwi,
                         codes, scales);
  EXPECT_EQ(*w.data, codes);
  EXPECT_EQ(*s.data, scales);
}

// Folded: a channels_last input and the round trip between the two convs need no TRANSPOSE at
// all; both forms compute the same bits.
TEST(ConvLowering, FoldedAndUnfoldedGraphsAgreeBitForBit) {
  const ModelSpec m = parse_model(conv_json());  // channels_last input
  LowerOptions unfolded;
  unfolded.fold_transposes = false;
  const Graph a = lower_model(m);
  const Graph b = lower_model(m, "", unfolded);
  EXPECT_EQ(count(a, OpKind::transpose), 1u) << "only the NHWC -> NCHW output";
  EXPECT_EQ(count(b, OpKind::transpose), 5u) << "the input's, then two per conv";
  std::vector<float> x(size_t(2 * 7 * 5 * 64));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 23) - 11) * 0.37f;
  auto run = [&](const Graph& g) {
    const LoadResult loaded = deserialize_graph(serialize_graph(g));
    EXPECT_TRUE(loaded.ok());
    auto out = run_graph(*loaded.graph, {{"x", Value::from_f32({2, 7, 5, 64}, x)}});
    return out.at("y").f32.to_vector();
  };
  const std::vector<float> ya = run(a), yb = run(b);
  ASSERT_EQ(ya.size(), size_t(2 * 5 * 5 * 6));
  EXPECT_EQ(0, std::memcmp(ya.data(), yb.data(), ya.size() * 4));
}

// The validator quotes the spec's rule, names the operand, and gates the conv extension.
TEST(ConvValidation, MessagesQuoteTheRuleAndNameTheOperand) {
  ModelSpec m = parse_model(conv_json());
  m.input.dim_order.clear();
  const Graph good = lower_model(m);
  const Target conv_target = Target::parse("TOSA-1.1+FP+mxfp+mxfp_conv");
  auto issues_after = [&](auto edit, const Target& t) {
    Graph g = good;
    Operator& conv = *std::find_if(g.ops.begin(), g.ops.end(), [](const Operator& op) {
      return op.op == OpKind::conv2d_block_scaled;
    });
    edit(g, conv);
    return validate_tosa(g, t);
  };
  const auto gated = issues_after([](Graph&, Operator&) {}, Target::parse("TOSA-1.1+FP+mxfp"));
  ASSERT_EQ(gated.size(), 2u);
  EXPECT_EQ(gated[0].code, ValidationCode::extension_mx_conv);
  EXPECT_EQ(Target::parse("TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP8E4M3+EXT-MXFP-CONV").mx_conv, true);

  auto set = [](Graph& g, const std::string& name, std::vector<int64_t> v) {
    Tensor& t = *g.find(name);
    t = make_shape_const(t.name, v);
  };
  const auto pad = issues_after(
      [&](Graph& g, Operator& c) {
        set(g, c.inputs[5], {1, -1, 0, 0});
      },
      conv_target);
  ASSERT_EQ(pad.size(), 1u);
  EXPECT_EQ(pad[0].code, ValidationCode::conv_pad);
  EXPECT_NE(pad[0].message.find("CONV2D_BLOCK_SCALED"), std::string::npos);
  EXPECT_NE(pad[0].message.find("pad '"), std::string::npos);
  EXPECT_NE(pad[0].message.find("ERROR_IF(pad_top < 0 || pad_bottom < 0"), std::string::npos);
  const auto stride = issues_after(
      [&](Graph& g, Operator& c) {
        set(g, c.inputs[6], {0, 1});
      },
      conv_target);
  ASSERT_EQ(stride.size(), 1u);
  EXPECT_EQ(stride[0].code, ValidationCode::conv_stride);
  const auto length = issues_after(
      [&](Graph& g, Operator& c) {
        set(g, c.inputs[7], {1, 1, 1});
      },
      conv_target);
  ASSERT_EQ(length.size(), 1u);
  EXPECT_EQ(length[0].code, ValidationCode::conv_rank);
  // Swapped stride and dilation ([2, 1] vs [1, 1]) changes OH: caught as the output size.
  const auto swapped =
      issues_after([&](Graph&, Operator& c) { std::swap(c.inputs[6], c.inputs[7]); }, conv_target);
  ASSERT_FALSE(swapped.empty());
  EXPECT_EQ(swapped[0].code, ValidationCode::conv_output_size);
  EXPECT_NE(swapped[0].message.find("OH"), std::string::npos);
  const auto level = issues_after(
      [&](Graph& g, Operator& c) {
        set(g, c.inputs[6], {2, 8193});
      },
      conv_target);
  std::vector<ValidationCode> codes;
  for (const auto& i : level) codes.push_back(i.code);
  EXPECT_NE(std::find(codes.begin(), codes.end(), ValidationCode::level_stride), codes.end());
  EXPECT_NE(level.back().message.find("MAX_STRIDE = 8192"), std::string::npos);
}

// The whole lowered graph against the oracle's own conv reference, bit for bit.
TEST(ConvLowering, ExecutesBitExactlyAgainstTheOracle) {
  nlohmann::json j = conv_json();
  j["layers"].erase(1);
  j["input"].erase("dim_order");
  const ModelSpec m = parse_model(j);
  const Graph g = lower_model(m);
  std::vector<float> x(size_t(2 * 64 * 7 * 5));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 7 % 31) - 15) * 0.11f;
  const auto out = run_graph(g, {{"x", Value::from_f32({2, 64, 7, 5}, x)}});
  const std::vector<float> y = out.at("y").f32.to_vector();  // NCHW [2, 32, 4, 4]
  // The oracle takes NHWC input and OHWI weights.
  std::vector<float> xn(x.size());
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 64; ++c)
      for (int64_t p = 0; p < 35; ++p)
        xn[size_t((n * 35 + p) * 64 + c)] = x[size_t((n * 64 + c) * 35 + p)];
  const std::vector<float> torch = layer_weights(m.layers[0], 0, "");
  std::vector<float> w(torch.size());
  for (int64_t o = 0; o < 32; ++o)
    for (int64_t i = 0; i < 64; ++i)
      for (int64_t t = 0; t < 6; ++t)
        w[size_t((o * 6 + t) * 64 + i)] = torch[size_t((o * 64 + i) * 6 + t)];
  const oracles::Conv2dGeometry geo{2, 7, 5, 64, 32, 3, 2, 1, 1, 0, 0, 2, 1, 1, 1};
  const auto ref = oracles::mx_conv2d_reference(
      *oracles::format_by_name("fp8e4m3"), oracles::ScalePolicy::tosa, oracles::ScalePolicy::rceil,
      geo, xn, w, layer_bias(m.layers[0], 0, ""), /*bit_exact_only=*/true);
  ASSERT_EQ(y.size(), ref.pseudocode.size());
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t oc = 0; oc < 32; ++oc)
      for (int64_t p = 0; p < 16; ++p) {
        const float got = y[size_t((n * 32 + oc) * 16 + p)];
        const float want = ref.pseudocode[size_t((n * 16 + p) * 32 + oc)];
        ASSERT_EQ(std::memcmp(&got, &want, 4), 0) << n << "," << oc << "," << p;
      }
}

}  // namespace
}  // namespace mxconf::pipeline

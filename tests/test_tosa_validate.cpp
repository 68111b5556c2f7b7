// One test per TOSA validation rule: each graph breaks exactly one rule and must get its code.
#include <gtest/gtest.h>

#include <algorithm>

#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::pipeline {
namespace {

using VC = ValidationCode;
const Target kMxfp = Target::parse("TOSA-1.1+FP+mxfp");

std::vector<VC> codes(const Graph& g, const Target& t = kMxfp) {
  std::vector<VC> out;
  for (const auto& i : validate_tosa(g, t)) out.push_back(i.code);
  return out;
}

bool has(const std::vector<VC>& v, VC c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

Tensor act(std::string n, std::vector<int64_t> s, DType t) {
  return {std::move(n), std::move(s), t, std::nullopt};
}

// x -> CAST_TO_BLOCK_SCALED -> (q, s)
Graph cast_graph(std::vector<int64_t> shape, DType in = DType::fp32, DType payload = DType::fp8e4m3,
                 uint32_t block = 32) {
  Graph g;
  std::vector<int64_t> sshape = shape;
  if (!sshape.empty()) sshape.back() /= 32;
  g.tensors = {act("x", shape, in), act("q", shape, payload), act("s", sshape, DType::fp8ue8m0)};
  Operator op{OpKind::cast_to_block_scaled, 78, {"x"}, {"q", "s"}, {}};
  op.attrs.block_size = block;
  g.ops = {op};
  g.inputs = {"x"};
  g.outputs = {"q", "s"};
  return g;
}

// MATMUL_T_BLOCK_SCALED over graph inputs a, as, b, bs -> y
Graph matmul_graph(std::vector<int64_t> a, std::vector<int64_t> b, DType ta = DType::fp8e4m3,
                   DType tb = DType::fp8e4m3) {
  Graph g;
  auto scale_of = [](std::vector<int64_t> s) {
    s.back() /= 32;
    return s;
  };
  g.tensors = {act("a", a, ta), act("as", scale_of(a), DType::fp8ue8m0), act("b", b, tb),
               act("bs", scale_of(b), DType::fp8ue8m0), act("y", {a[0], a[1], b[1]}, DType::fp32)};
  Operator op{OpKind::matmul_t_block_scaled, 76, {"a", "as", "b", "bs"}, {"y"}, {}};
  op.attrs.block_size = 32;
  g.ops = {op};
  g.inputs = {"a", "as", "b", "bs"};
  g.outputs = {"y"};
  return g;
}

Graph lowered(bool bias = true) {
  ModelSpec m;
  m.input.shape = {4, 64};
  LayerSpec l;
  l.geometry = pipeline::LinearGeom{64, 8};
  l.bias = bias;
  m.layers = {l};
  return lower_model(m);
}

Operator& first(Graph& g, OpKind k) {
  return *std::find_if(g.ops.begin(), g.ops.end(), [&](const Operator& o) { return o.op == k; });
}

TEST(TosaValidate, ValidGraphsPass) {
  EXPECT_TRUE(codes(lowered()).empty());
  EXPECT_TRUE(codes(cast_graph({2, 64})).empty());
  EXPECT_TRUE(codes(matmul_graph({2, 3, 64}, {1, 5, 64})).empty());
  EXPECT_TRUE(codes(matmul_graph({2, 3, 64}, {2, 5, 64})).empty()) << "D == N";
  EXPECT_TRUE(codes(lowered(), Target::parse("TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP8E4M3")).empty())
      << "split extension names";
  // tosa-tools 2026.8.0's conformance names (conformance/tosa_profiles.py), and 2026.5.0's one.
  const Target split = Target::parse(
      "TOSA-1.1+tosa-pro-fp+tosa-ext-mx-common+tosa-ext-mx-fp4e2m1+tosa-ext-mxfp-conv");
  EXPECT_TRUE(split.fp && split.mx_common && split.mx_conv);
  EXPECT_EQ(split.mx_elements, std::set<DType>{DType::fp4e2m1});
  EXPECT_EQ(split.extensions.front(), "tosa-ext-mx-common") << "kept as given";
  EXPECT_EQ(Target::parse("TOSA-1.1+tosa-pro-fp+tosa-ext-mxfp").mx_elements.size(), 6u);
  EXPECT_TRUE(Target::parse("TOSA-1.1+FP+tosa-ext-mx-int8").mx_elements.count(DType::mxint8));
  EXPECT_THROW(Target::parse("TOSA-1.1+FP+tosa-ext-mx-fp7"), std::invalid_argument);
}

TEST(TosaValidate, UnsupportedOp) {
  Graph g = lowered();
  g.ops.push_back({OpKind::unknown, 31, {}, {}, {}});  // TABLE
  EXPECT_TRUE(has(codes(g), VC::unsupported_op));
}

TEST(TosaValidate, ProfileMissing) {
  EXPECT_TRUE(has(codes(lowered(), Target::parse("TOSA-1.1+mxfp")), VC::profile_missing));
}

TEST(TosaValidate, RankZero) {
  EXPECT_EQ(codes(cast_graph({})), std::vector<VC>{VC::rank_zero});
}

TEST(TosaValidate, BlockSizeNot32) {
  EXPECT_EQ(codes(cast_graph({2, 64}, DType::fp32, DType::fp8e4m3, 16)),
            std::vector<VC>{VC::block_size});
}

TEST(TosaValidate, LastDimNotMultipleOf32) {
  Graph g = cast_graph({2, 64});
  g.find("x")->shape = {2, 30};
  g.find("q")->shape = {2, 30};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::block_misaligned});
  EXPECT_TRUE(has(codes(matmul_graph({1, 2, 48}, {1, 3, 48})), VC::block_misaligned));
}

TEST(TosaValidate, ScaleShape) {
  Graph g = cast_graph({2, 64});
  g.find("s")->shape = {2, 1};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_shape});
  Graph m = matmul_graph({1, 4, 32}, {1, 8, 32});
  m.find("as")->shape = {1, 4,
                         2};  // the dialect test's "A_scale shape (1, 4, 2) must match (1, 4, 1)"
  EXPECT_EQ(codes(m), std::vector<VC>{VC::scale_shape});
}

TEST(TosaValidate, PayloadMismatch) {
  EXPECT_EQ(codes(matmul_graph({1, 4, 32}, {1, 8, 32}, DType::fp8e4m3, DType::fp8e5m2)),
            std::vector<VC>{VC::payload_mismatch});
}

TEST(TosaValidate, ContractionMismatch) {
  Graph g = matmul_graph({1, 4, 32}, {1, 8, 64});
  g.find("bs")->shape = {1, 8, 1};
  EXPECT_TRUE(has(codes(g), VC::contraction_mismatch));
}

TEST(TosaValidate, BatchNotOneOrN) {
  EXPECT_EQ(codes(matmul_graph({2, 4, 32}, {3, 8, 32})), std::vector<VC>{VC::batch_broadcast});
}

TEST(TosaValidate, RankNot3) {
  Graph g = matmul_graph({1, 4, 32}, {1, 8, 32});
  g.find("a")->shape = {4, 32};
  EXPECT_TRUE(has(codes(g), VC::rank_not_3));
}

TEST(TosaValidate, CastInputDtype) {
  EXPECT_EQ(codes(cast_graph({2, 64}, DType::fp16)), std::vector<VC>{VC::input_dtype});
}

TEST(TosaValidate, MatmulOutputNotFp32) {
  Graph g = matmul_graph({1, 4, 32}, {1, 8, 32});
  g.find("y")->dtype = DType::fp16;
  EXPECT_EQ(codes(g), std::vector<VC>{VC::output_dtype});
}

TEST(TosaValidate, ScaleDtype) {
  Graph g = matmul_graph({1, 4, 32}, {1, 8, 32});
  g.find("bs")->dtype = DType::int8;
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_dtype});
}

TEST(TosaValidate, OutputShape) {
  Graph g = matmul_graph({1, 4, 32}, {1, 8, 32});
  g.find("y")->shape = {1, 4, 9};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::output_shape});
}

TEST(TosaValidate, AddRanksMustBeEqual) {
  Graph g = lowered();
  Operator& add = first(g, OpKind::add);
  add.inputs[1] = "layer0.bias";  // the [8] bias, not its [1,8] reshape
  EXPECT_EQ(codes(g), std::vector<VC>{VC::add_rank});
}

TEST(TosaValidate, AddBroadcast) {
  Graph g = lowered();
  Operator& add = first(g, OpKind::add);
  g.find(add.inputs[1])->shape = {1, 5};
  g.find(add.inputs[1])->data.reset();
  const auto c = codes(g);
  EXPECT_TRUE(has(c, VC::add_broadcast));
}

TEST(TosaValidate, ReshapeElementCount) {
  Graph g = lowered();
  Operator& r = first(g, OpKind::reshape);
  Tensor& s = *g.find(r.inputs[1]);
  s = make_shape_const(s.name, {1, 4, 63});
  g.find(r.outputs[0])->shape = {1, 4, 63};
  EXPECT_TRUE(has(codes(g), VC::reshape_element_count));
}

TEST(TosaValidate, ReshapeShapeOperandMustComeFromConstShape) {
  Graph g = lowered();
  Operator& r = first(g, OpKind::reshape);
  r.inputs[1] = "layer0.bias";
  EXPECT_TRUE(has(codes(g), VC::reshape_shape_operand));
}

TEST(TosaValidate, TransposePermutation) {
  Graph g;
  g.tensors = {act("x", {2, 3}, DType::fp32), act("y", {2, 2}, DType::fp32)};
  Operator op{OpKind::transpose, 61, {"x"}, {"y"}, {}};
  op.attrs.perms = {0, 0};
  g.ops = {op};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::transpose_permutation});
}

TEST(TosaValidate, CastTypes) {
  Graph g;
  g.tensors = {act("x", {2}, DType::fp32), act("y", {2}, DType::int8)};
  g.ops = {{OpKind::cast, 65, {"x"}, {"y"}, {}}};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::cast_types});
}

TEST(TosaValidate, MatmulZeroPoints) {
  Graph g;
  g.tensors = {act("a", {1, 2, 4}, DType::fp32), act("b", {1, 4, 3}, DType::fp32),
               make_const("az", DType::fp32, {1}, {0, 0, 0x80, 0x3F}),
               make_const("bz", DType::fp32, {1}, {0, 0, 0, 0}), act("y", {1, 2, 3}, DType::fp32)};
  g.ops = {{OpKind::matmul, 7, {"a", "b", "az", "bz"}, {"y"}, {}}};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::zero_point});
}

TEST(TosaValidate, MxPayloadWithoutTheExtension) {
  EXPECT_TRUE(has(codes(lowered(), Target::parse("TOSA-1.1+FP")), VC::extension_mx_payload));
  // EXT-MX-COMMON plus the wrong element extension.
  EXPECT_EQ(codes(lowered(), Target::parse("TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP8E5M2")),
            std::vector<VC>(2, VC::extension_mx_payload))
      << "activation and weight payloads";
}

// The gap found in review of the reference lowering: an FP8UE8M0 tensor alone, no payload at
// all, must still be rejected without the mxfp extension.
TEST(TosaValidate, E8m0WithoutMxfpIsRejectedEvenAlone) {
  Graph g;
  g.tensors = {make_const("s", DType::fp8ue8m0, {1, 1}, {127})};
  g.ops = {{OpKind::const_tensor, 67, {}, {"s"}, {}}};
  g.outputs = {"s"};
  EXPECT_EQ(codes(g, Target::parse("TOSA-1.1+FP")), std::vector<VC>{VC::extension_e8m0});
  EXPECT_TRUE(codes(g, Target::parse("TOSA-1.1+FP+EXT-MX-COMMON")).empty());
}

TEST(TosaValidate, Bf16WithoutTheExtension) {
  EXPECT_EQ(codes(cast_graph({2, 64}, DType::bf16)), std::vector<VC>{VC::extension_bf16});
  EXPECT_TRUE(
      codes(cast_graph({2, 64}, DType::bf16), Target::parse("TOSA-1.1+FP+mxfp+bf16")).empty());
}

TEST(TosaValidate, MessagesNameOpOperandAndRule) {
  const auto issues = validate_tosa(matmul_graph({2, 4, 32}, {3, 8, 32}), kMxfp);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].op, "MATMUL_T_BLOCK_SCALED");
  EXPECT_EQ(issues[0].operand, "B_data 'b'");
  EXPECT_NE(issues[0].message.find("D != N && D != 1"), std::string::npos) << issues[0].message;
}

TEST(TargetParse, RejectsUnknownTokensAndVersions) {
  EXPECT_THROW(Target::parse("TOSA-1.0+FP+mxfp"), std::invalid_argument);
  EXPECT_THROW(Target::parse("TOSA-1.1+FP+mxpf"), std::invalid_argument);
  const Target t = Target::parse("TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP4E2M1+EXT-BF16");
  EXPECT_TRUE(t.mx_common && t.bf16 && t.mx_elements.count(DType::fp4e2m1) &&
              !t.mx_elements.count(DType::fp8e4m3));
}

// MXINT8 is a TOSA 1.1 payload (EXT-MX-INT8): the block-scaled ops take it like the fp payloads,
// and its gating is its own extension.
TEST(TosaValidate, MxInt8IsAPayloadGatedByExtMxInt8) {
  EXPECT_TRUE(codes(cast_graph({4, 64}, DType::fp32, DType::mxint8)).empty());
  EXPECT_TRUE(codes(matmul_graph({1, 4, 64}, {1, 8, 64}, DType::mxint8, DType::mxint8)).empty());
  const auto has = [](const std::vector<VC>& v, VC c) {
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  const Target fp4_only = Target::parse("TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP4E2M1");
  EXPECT_TRUE(has(codes(cast_graph({4, 64}, DType::fp32, DType::mxint8), fp4_only),
                  VC::extension_mx_payload));
  const Target int8 = Target::parse("TOSA-1.1+tosa-pro-fp+tosa-ext-mx-common+tosa-ext-mx-int8");
  EXPECT_TRUE(codes(cast_graph({4, 64}, DType::fp32, DType::mxint8), int8).empty());
  // A type that is no payload at all stays a broken rule.
  EXPECT_TRUE(has(codes(cast_graph({4, 64}, DType::fp32, DType::fp32)), VC::output_dtype));
}

}  // namespace
}  // namespace mxconf::pipeline

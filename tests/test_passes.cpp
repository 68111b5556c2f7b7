// Each pass on its own graph, before and after; then the reference lowering's pass test.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/passes/eliminate_dead_code.h"
#include "mxconf/pipeline/passes/normalize_io_layout.h"
#include "mxconf/pipeline/passes/quantize_weights.h"
#include "mxconf/pipeline/passes/rewrite_mxfp_linear.h"
#include "mxconf/pipeline/verifier.h"

namespace mxconf::pipeline {
namespace {

ModelSpec linear_model(std::vector<int64_t> shape, int64_t out, bool bias, int layers = 1) {
  ModelSpec m;
  m.input.shape = std::move(shape);
  int64_t k = m.input.shape.back();
  for (int i = 0; i < layers; ++i) {
    LayerSpec l;
    l.geometry = pipeline::LinearGeom{k, out};
    l.bias = bias;
    l.weights.seed = uint64_t(i + 1);
    m.layers.push_back(l);
    k = out;
  }
  return m;
}

size_t count(const Graph& g, OpKind k) {
  return size_t(
      std::count_if(g.ops.begin(), g.ops.end(), [&](const Operator& o) { return o.op == k; }));
}

const Operator& only(const Graph& g, OpKind k) {
  return *std::find_if(g.ops.begin(), g.ops.end(), [&](const Operator& o) { return o.op == k; });
}

TEST(QuantizeWeights, LinearBecomesMxfpLinearWithPayloadAndScaleConstants) {
  Graph g = import_model(linear_model({4, 64}, 8, true));
  ASSERT_EQ(count(g, OpKind::layer), 1u);
  QuantizeWeights().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  ASSERT_EQ(count(g, OpKind::mx_layer), 1u);
  const Operator& op = only(g, OpKind::mx_layer);
  ASSERT_EQ(op.inputs.size(), 4u) << "x, Wq, Ws, bias";
  const Tensor& wq = *g.find(op.inputs[1]);
  const Tensor& ws = *g.find(op.inputs[2]);
  EXPECT_EQ(wq.shape, (std::vector<int64_t>{1, 8, 64}));
  EXPECT_EQ(wq.dtype, DType::fp8e4m3);
  EXPECT_EQ(wq.data->size(), 8u * 64u);
  EXPECT_EQ(ws.shape, (std::vector<int64_t>{1, 8, 2}));
  EXPECT_EQ(ws.dtype, DType::fp8ue8m0);
  EXPECT_EQ(g.find(op.inputs[3])->dtype, DType::fp32);
}

TEST(QuantizeWeights, PacksFp4TwoPerByte) {
  ModelSpec m = linear_model({64}, 8, false);
  m.layers[0].payload = formats::ElementType::fp4e2m1;
  Graph g = import_model(m);
  QuantizeWeights().run(g);
  EXPECT_EQ(g.find(only(g, OpKind::mx_layer).inputs[1])->data->size(), 8u * 64u / 2u);
}

TEST(NormalizeIoLayout, ChannelsLastInputBecomesPhysicalPlusTranspose) {
  ModelSpec m = linear_model({1, 2, 2, 64}, 8, false);
  m.input.dim_order = {0, 2, 3, 1};
  Graph g = import_model(m);
  NormalizeIoLayout().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  EXPECT_EQ(g.find("x")->shape, (std::vector<int64_t>{1, 2, 64, 2})) << "physical shape";
  ASSERT_EQ(count(g, OpKind::transpose), 1u);
  const Operator& tr = only(g, OpKind::transpose);
  EXPECT_EQ(tr.inputs[0], "x");
  EXPECT_EQ(tr.attrs.perms, (std::vector<int32_t>{0, 3, 1, 2}));
  EXPECT_EQ(g.find(tr.outputs[0])->shape, (std::vector<int64_t>{1, 2, 2, 64}));
  EXPECT_TRUE(g.io_dim_order.empty());
}

TEST(NormalizeIoLayout, ContiguousGraphIsUnchanged) {
  Graph g = import_model(linear_model({4, 32}, 8, false));
  const Graph before = g;
  NormalizeIoLayout().run(g);
  EXPECT_EQ(g, before);
}

TEST(NormalizeIoLayout, OutputDimOrderAddsTrailingTranspose) {
  ModelSpec m = linear_model({2, 3, 32}, 8, false);
  m.output.dim_order = {2, 0, 1};
  Graph g = import_model(m);
  NormalizeIoLayout().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  EXPECT_EQ(g.find("y")->shape, (std::vector<int64_t>{8, 2, 3}));
  EXPECT_EQ(g.ops.back().op, OpKind::transpose);
  EXPECT_EQ(g.ops.back().outputs[0], "y");
}

TEST(RewriteMxfpLinear, EmitsTheReferenceSequence) {
  Graph g = import_model(linear_model({4, 5, 32}, 8, true));
  QuantizeWeights().run(g);
  RewriteMxfpLinear().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  EXPECT_EQ(count(g, OpKind::mx_layer), 0u);
  std::vector<OpKind> seq;
  for (const Operator& o : g.ops) {
    if (o.op != OpKind::const_tensor && o.op != OpKind::const_shape) seq.push_back(o.op);
  }
  EXPECT_EQ(seq, (std::vector<OpKind>{OpKind::reshape, OpKind::cast_to_block_scaled,
                                      OpKind::matmul_t_block_scaled, OpKind::reshape,
                                      OpKind::reshape, OpKind::add}));
  const Operator& cast = only(g, OpKind::cast_to_block_scaled);
  EXPECT_EQ(cast.attrs.block_size, 32u);
  EXPECT_EQ(g.find(cast.outputs[0])->shape, (std::vector<int64_t>{1, 20, 32})) << "data first";
  EXPECT_EQ(g.find(cast.outputs[1])->shape, (std::vector<int64_t>{1, 20, 1})) << "then scale";
  const Operator& mm = only(g, OpKind::matmul_t_block_scaled);
  EXPECT_EQ(mm.inputs[0], cast.outputs[0]);
  EXPECT_EQ(mm.inputs[1], cast.outputs[1]);
  EXPECT_EQ(g.find(mm.inputs[2])->shape, (std::vector<int64_t>{1, 8, 32})) << "B as is, D = 1";
  EXPECT_EQ(g.find(mm.outputs[0])->shape, (std::vector<int64_t>{1, 20, 8}));
  const Operator& add = only(g, OpKind::add);
  EXPECT_EQ(g.find(add.inputs[1])->shape, (std::vector<int64_t>{1, 1, 8})) << "bias at full rank";
  EXPECT_EQ(count(g, OpKind::transpose), 0u) << "_T: no TRANSPOSE of the weights";
}

TEST(RewriteMxfpLinear, BatchedKeepsLeadingDimsAndBroadcastsTheWeights) {
  Graph g = import_model(linear_model({2, 3, 5, 64}, 8, true));
  QuantizeWeights().run(g);
  RewriteMxfpLinear(/*batched=*/true).run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  const Operator& mm = only(g, OpKind::matmul_t_block_scaled);
  EXPECT_EQ(g.find(mm.inputs[0])->shape, (std::vector<int64_t>{6, 5, 64})) << "N = 2 * 3";
  EXPECT_EQ(g.find(mm.inputs[2])->shape, (std::vector<int64_t>{1, 8, 64})) << "D = 1";
  EXPECT_EQ(g.find(mm.outputs[0])->shape, (std::vector<int64_t>{6, 5, 8}));
  // Rank 2 has no batch to keep: the same [1, M, K] as unbatched.
  Graph g2 = import_model(linear_model({4, 64}, 8, false));
  QuantizeWeights().run(g2);
  RewriteMxfpLinear(/*batched=*/true).run(g2);
  EXPECT_EQ(g2.find(only(g2, OpKind::matmul_t_block_scaled).inputs[0])->shape,
            (std::vector<int64_t>{1, 4, 64}));
}

TEST(RewriteMxfpLinear, RankOneAddsTheBiasDirectly) {
  Graph g = import_model(linear_model({256}, 5, true));
  QuantizeWeights().run(g);
  RewriteMxfpLinear().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  const Operator& add = only(g, OpKind::add);
  EXPECT_EQ(g.find(add.inputs[1])->shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(count(g, OpKind::reshape), 2u) << "in and out only";
  EXPECT_EQ(g.find(only(g, OpKind::cast_to_block_scaled).outputs[0])->shape,
            (std::vector<int64_t>{1, 1, 256}))
      << "M = 1 for rank 1";
}

TEST(EliminateDeadCode, DropsTheFp32WeightsAfterQuantization) {
  Graph g = import_model(linear_model({4, 32}, 8, false));
  QuantizeWeights().run(g);
  ASSERT_NE(g.find("layer0.weight"), nullptr);
  EliminateDeadCode().run(g);
  EXPECT_TRUE(verify_graph(g).empty());
  EXPECT_EQ(g.find("layer0.weight"), nullptr);
  EXPECT_NE(g.find("layer0.weight.q"), nullptr);
}

TEST(EliminateDeadCode, KeepsEverythingThatReachesAnOutput) {
  Graph g = lower_model(linear_model({4, 32}, 8, true));
  const Graph before = g;
  EliminateDeadCode().run(g);
  EXPECT_EQ(g, before);
}

// executorch backends/arm/test/passes/test_rewrite_mxfp_linear_pass.py, as a graph.
TEST(ReferencePassTest, Input4x5x32Linear32To8WithBias) {
  const Graph g = lower_model(linear_model({4, 5, 32}, 8, true));
  EXPECT_EQ(count(g, OpKind::mx_layer) + count(g, OpKind::layer), 0u);
  EXPECT_EQ(count(g, OpKind::cast_to_block_scaled), 1u);
  EXPECT_EQ(count(g, OpKind::matmul_t_block_scaled), 1u);
  EXPECT_EQ(count(g, OpKind::add), 1u);
  const Operator& cast = only(g, OpKind::cast_to_block_scaled);
  EXPECT_EQ(g.find(cast.outputs[0])->shape, (std::vector<int64_t>{1, 20, 32}));
  EXPECT_EQ(g.find(cast.outputs[1])->shape, (std::vector<int64_t>{1, 20, 1}));
  EXPECT_EQ(g.find(only(g, OpKind::matmul_t_block_scaled).outputs[0])->shape,
            (std::vector<int64_t>{1, 20, 8}));
  EXPECT_EQ(g.find(g.outputs[0])->shape, (std::vector<int64_t>{4, 5, 8}));
}

TEST(ReferencePassTest, ChainOfTwoLinearsGivesTwoOfEach) {
  const Graph g = lower_model(linear_model({4, 5, 32}, 32, true, 2));
  EXPECT_EQ(count(g, OpKind::cast_to_block_scaled), 2u);
  EXPECT_EQ(count(g, OpKind::matmul_t_block_scaled), 2u);
  EXPECT_EQ(count(g, OpKind::add), 2u);
  EXPECT_TRUE(verify_graph(g).empty());
}

TEST(PassManager, RejectsAGraphThePassLeftMalformed) {
  struct Breaker final : Pass {
    std::string_view name() const override { return "Breaker"; }
    void run(Graph& g) const override {
      g.ops.push_back({OpKind::add, 15, {"nope", "x"}, {"y"}, {}});
    }
  };
  Graph g = import_model(linear_model({32}, 8, false));
  PassManager pm;
  pm.add(std::make_unique<Breaker>());
  try {
    pm.run(g);
    FAIL() << "no error";
  } catch (const PassError& e) {
    EXPECT_EQ(e.pass(), "after Breaker");
    EXPECT_FALSE(e.errors().empty());
  }
}

TEST(IrVerifier, ReportsEachStructuralProblem) {
  Graph g;
  g.tensors = {{"a", {2}, DType::fp32, std::nullopt},
               {"a", {2}, DType::fp32, std::nullopt},
               {"c", {-1}, DType::fp32, std::nullopt},
               {"d", {4}, DType::fp32, std::vector<uint8_t>(3)}};
  g.ops = {{OpKind::add, 15, {"a", "zz"}, {"c"}, {}}, {OpKind::const_tensor, 67, {}, {"c"}, {}}};
  g.outputs = {"d"};
  std::set<IrErrorCode> codes;
  for (const IrError& e : verify_graph(g)) codes.insert(e.code);
  for (IrErrorCode c :
       {IrErrorCode::duplicate_tensor, IrErrorCode::bad_shape, IrErrorCode::data_size_mismatch,
        IrErrorCode::undeclared_tensor, IrErrorCode::multiple_definitions,
        IrErrorCode::undefined_tensor, IrErrorCode::const_without_data}) {
    EXPECT_TRUE(codes.count(c)) << name(c);
  }
  Graph cyc;
  cyc.tensors = {{"p", {1}, DType::fp32, std::nullopt}, {"q", {1}, DType::fp32, std::nullopt}};
  cyc.ops = {{OpKind::cast, 65, {"q"}, {"p"}, {}}, {OpKind::cast, 65, {"p"}, {"q"}, {}}};
  bool cycle = false;
  for (const IrError& e : verify_graph(cyc)) cycle |= e.code == IrErrorCode::cycle;
  EXPECT_TRUE(cycle);
}

}  // namespace
}  // namespace mxconf::pipeline

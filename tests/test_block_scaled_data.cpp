// RESHAPE_BLOCK_SCALED and ROW_GATHER_BLOCK_SCALED: every ERROR_IF gets its validation code, the
// interpreter moves codes and scales as hand-worked examples say and as the oracle's pseudocode
// transcription does on random shapes, a broken REQUIRE refuses the run, and the writer and
// reader keep the ops (block_size 1 and 32) as tosa-tools 2026.8.0 writes them.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

#include "mxconf/oracles/data_movement_ref.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::pipeline {
namespace {

using VC = ValidationCode;
const Target kTarget = Target::parse("TOSA-1.1+FP+mxfp+bf16+EXT-INT64");

Tensor act(std::string n, std::vector<int64_t> s, DType t) {
  return {std::move(n), std::move(s), t, std::nullopt};
}

std::vector<int64_t> scales_of(std::vector<int64_t> s) {
  s.back() /= 32;
  return s;
}

// (q, s) -> RESHAPE_BLOCK_SCALED(new_shape) -> (q2, s2); `scaled` false: q alone, block_size 1.
Graph reshape_graph(std::vector<int64_t> in, std::vector<int64_t> to, bool scaled = true,
                    DType payload = DType::fp8e4m3) {
  Graph g;
  g.tensors = {act("q", in, payload), act("q2", to, payload), make_shape_const("ns", to)};
  Operator shape{OpKind::const_shape, 75, {}, {"ns"}, {}};
  Operator op{OpKind::reshape_block_scaled, 97, {"q"}, {"q2"}, {}};
  op.attrs.block_size = 1;
  g.inputs = {"q"};
  g.outputs = {"q2"};
  if (scaled) {
    g.tensors.push_back(act("s", scales_of(in), DType::fp8ue8m0));
    g.tensors.push_back(act("s2", scales_of(to), DType::fp8ue8m0));
    op.inputs.push_back("s");
    op.outputs.push_back("s2");
    op.attrs.block_size = 32;
    g.inputs.push_back("s");
    g.outputs.push_back("s2");
  }
  op.inputs.push_back("ns");
  g.ops = {shape, op};
  return g;
}

Tensor int32_const(std::string n, int32_t v) {
  std::vector<uint8_t> bytes(4);
  std::memcpy(bytes.data(), &v, 4);
  return {std::move(n), {1}, DType::int32, bytes};
}

// (v [N,K,C], vs) + indices [N,W] + row_count -> ROW_GATHER_BLOCK_SCALED -> (y, ys)
Graph gather_graph(int64_t n, int64_t k, int64_t c, int64_t w, int32_t rows, bool scaled = true,
                   DType payload = DType::fp8e4m3) {
  Graph g;
  g.tensors = {act("v", {n, k, c}, payload), act("idx", {n, w}, DType::int32),
               int32_const("rc", rows), act("y", {n, w * rows, c}, payload)};
  Operator rc{OpKind::const_tensor, 67, {}, {"rc"}, {}};
  Operator op{OpKind::row_gather_block_scaled, 98, {"v"}, {"y"}, {}};
  op.attrs.block_size = 1;
  g.inputs = {"v"};
  g.outputs = {"y"};
  if (scaled) {
    g.tensors.push_back(act("vs", {n, k, c / 32}, DType::fp8ue8m0));
    g.tensors.push_back(act("ys", {n, w * rows, c / 32}, DType::fp8ue8m0));
    op.inputs.push_back("vs");
    op.outputs.push_back("ys");
    op.attrs.block_size = 32;
    g.inputs.push_back("vs");
    g.outputs.push_back("ys");
  }
  op.inputs.insert(op.inputs.end(), {"idx", "rc"});
  g.inputs.push_back("idx");
  g.ops = {rc, op};
  return g;
}

std::vector<VC> codes(const Graph& g) {
  std::vector<VC> out;
  for (const auto& i : validate_tosa(g, kTarget)) out.push_back(i.code);
  return out;
}

Operator& op_of(Graph& g, OpKind k) {
  return *std::find_if(g.ops.begin(), g.ops.end(), [&](const Operator& o) { return o.op == k; });
}

TEST(ReshapeBlockScaled, ValidForms) {
  EXPECT_EQ(codes(reshape_graph({2, 64}, {1, 4, 32})), std::vector<VC>{});
  EXPECT_EQ(codes(reshape_graph({2, 3, 64}, {6, 64}, true, DType::fp4e2m1)), std::vector<VC>{});
  EXPECT_EQ(codes(reshape_graph({6, 5}, {30}, false, DType::fp32)), std::vector<VC>{});
  EXPECT_EQ(codes(reshape_graph({}, {1, 1}, false, DType::bf16)), std::vector<VC>{}) << "rank 0";
}

TEST(ReshapeBlockScaled, EachErrorIfHasItsCode) {
  Graph g = reshape_graph({2, 64}, {4, 32});
  op_of(g, OpKind::reshape_block_scaled).outputs.pop_back();  // output_len != input_len
  EXPECT_EQ(codes(g), std::vector<VC>{VC::tensor_list});

  g = reshape_graph({2, 64}, {4, 32});
  op_of(g, OpKind::reshape_block_scaled).attrs.block_size = 1;  // two elements, block_size 1
  EXPECT_EQ(codes(g), std::vector<VC>{VC::block_size});

  g = reshape_graph({64}, {64}, false, DType::fp32);
  op_of(g, OpKind::reshape_block_scaled).attrs.block_size = 32;  // one element, block_size 32
  EXPECT_EQ(codes(g), std::vector<VC>{VC::block_size});

  g = reshape_graph({2, 64}, {4, 32});
  g.tensors[0].shape = {3, 64};  // 192 values cannot become [4,32]
  g.tensors[3].shape = {3, 2};
  EXPECT_EQ(codes(g), std::vector<VC>{VC::reshape_element_count});

  // ERROR_IF((new_value_shape[-1] % block_size) != 0): [2,64] -> [8,16]
  EXPECT_EQ(codes(reshape_graph({2, 64}, {8, 16})), std::vector<VC>{VC::block_misaligned});

  g = reshape_graph({2, 64}, {4, 32});
  g.tensors[3].shape = {2, 1, 2};  // ERROR_IF(rank(value_shape1) != rank(scale_shape1))
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_shape});

  g = reshape_graph({2, 64}, {4, 32});
  g.tensors[3].shape = {4, 1};  // ERROR_IF(scale_shape1[-1] != value_shape1[-1] / block_size)
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_shape});

  g = reshape_graph({2, 64}, {4, 32});
  g.tensors[4].shape = {4, 32};  // the output scale is not new_scale_shape [4,1]
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_shape});

  g = reshape_graph({2, 64}, {4, 32});
  g.tensors[4].dtype = DType::fp8e4m3;  // the output scale's type differs from the input's
  EXPECT_EQ(codes(g), std::vector<VC>{VC::output_dtype});

  // Valid TOSA that mxconf does not implement is unsupported, never invalid.
  EXPECT_EQ(codes(reshape_graph({4}, {2, 2}, false, DType::int8)),
            std::vector<VC>{VC::unsupported_type});
}

TEST(RowGatherBlockScaled, ValidForms) {
  EXPECT_EQ(codes(gather_graph(1, 4, 64, 3, 2)), std::vector<VC>{});
  EXPECT_EQ(codes(gather_graph(2, 5, 32, 1, 1, true, DType::mxint8)), std::vector<VC>{});
  EXPECT_EQ(codes(gather_graph(1, 4, 7, 2, 3, false, DType::fp32)), std::vector<VC>{});
}

TEST(RowGatherBlockScaled, EachErrorIfHasItsCode) {
  EXPECT_EQ(codes(gather_graph(1, 4, 64, 3, 0)), std::vector<VC>{VC::gather_operand})
      << "ERROR_IF(row_count < 1)";

  Graph g = gather_graph(1, 4, 64, 3, 2);
  g.tensors[0].shape = {1, 4, 48};  // ERROR_IF(C % block_size != 0)
  EXPECT_EQ(codes(g), std::vector<VC>{VC::block_misaligned});

  g = gather_graph(1, 4, 64, 3, 2);
  op_of(g, OpKind::row_gather_block_scaled)
      .inputs.erase(op_of(g, OpKind::row_gather_block_scaled).inputs.begin() +
                    1);  // list of 1, outputs 2
  EXPECT_EQ(codes(g), std::vector<VC>{VC::tensor_list});

  g = gather_graph(1, 4, 64, 3, 2);
  op_of(g, OpKind::row_gather_block_scaled).attrs.block_size = 16;  // not in block_size_t
  EXPECT_EQ(codes(g), std::vector<VC>{VC::block_size});

  g = gather_graph(1, 4, 64, 3, 2);
  g.tensors[1].shape = {2, 3};  // indices [N,W] with the wrong N
  EXPECT_EQ(codes(g), std::vector<VC>{VC::gather_operand});

  g = gather_graph(1, 4, 64, 3, 2);
  g.tensors[0].shape = {4, 64};  // values rank 2
  EXPECT_EQ(codes(g), std::vector<VC>{VC::rank_not_3});

  g = gather_graph(1, 4, 64, 3, 2);
  g.tensors[3].shape = {1, 3, 64};  // output rows must be W*row_count = 6
  EXPECT_EQ(codes(g), std::vector<VC>{VC::output_shape});

  g = gather_graph(1, 4, 64, 3, 2);
  g.tensors[5].shape = {1, 6, 1};  // output scale [N,W*row_count,C/32] is [1,6,2]
  EXPECT_EQ(codes(g), std::vector<VC>{VC::scale_shape});

  g = gather_graph(1, 4, 64, 3, 2);
  op_of(g, OpKind::const_tensor).op = OpKind::cast;  // row_count not a constant
  g.ops[0].inputs = {"v"};
  const auto got = codes(g);  // the CAST has its own complaints; row_count's is among them
  EXPECT_NE(std::find(got.begin(), got.end(), VC::gather_operand), got.end());
}

Value codes_value(DType t, std::vector<int64_t> shape, std::vector<uint8_t> c) {
  Value v;
  v.dtype = t;
  v.shape = std::move(shape);
  v.codes = std::move(c);
  return v;
}

Value ints_value(DType t, std::vector<int64_t> shape, std::vector<int64_t> x) {
  Value v;
  v.dtype = t;
  v.shape = std::move(shape);
  v.ints = std::move(x);
  return v;
}

TEST(RowGatherBlockScaled, GathersRowsAndTheirScalesInOrder) {
  // values [1,4,64]: every code of row k is 10 + k; scales of row k are 120 + k and 200 + k.
  std::vector<uint8_t> v(4 * 64), vs(4 * 2);
  for (int k = 0; k < 4; ++k) {
    std::fill_n(v.begin() + k * 64, 64, uint8_t(10 + k));
    vs[size_t(2 * k)] = uint8_t(120 + k);
    vs[size_t(2 * k + 1)] = uint8_t(200 + k);
  }
  const auto out = run_graph(gather_graph(1, 4, 64, 3, 2),
                             {{"v", codes_value(DType::fp8e4m3, {1, 4, 64}, v)},
                              {"vs", codes_value(DType::fp8ue8m0, {1, 4, 2}, vs)},
                              {"idx", ints_value(DType::int32, {1, 3}, {2, 0, 1})}});
  // indices 2, 0, 1 with row_count 2: rows 2,3 then 0,1 then 1,2.
  const int rows[] = {2, 3, 0, 1, 1, 2};
  const Value &y = out.at("y"), &ys = out.at("ys");
  ASSERT_EQ(y.shape, (std::vector<int64_t>{1, 6, 64}));
  ASSERT_EQ(ys.shape, (std::vector<int64_t>{1, 6, 2}));
  for (int r = 0; r < 6; ++r) {
    for (int c = 0; c < 64; ++c) EXPECT_EQ(y.codes[size_t(r * 64 + c)], 10 + rows[r]) << r;
    EXPECT_EQ(ys.codes[size_t(2 * r)], 120 + rows[r]);
    EXPECT_EQ(ys.codes[size_t(2 * r + 1)], 200 + rows[r]);
  }
}

TEST(RowGatherBlockScaled, AnIndexPastKBreaksTheRequireAndTheRunIsRefused) {
  const std::vector<uint8_t> v(4 * 64, 1), vs(8, 127);
  // index 3 with row_count 2 reads row 4 of K = 4: REQUIRE((k+row_count) <= K) fails.
  EXPECT_THROW(
      run_graph(gather_graph(1, 4, 64, 1, 2), {{"v", codes_value(DType::fp8e4m3, {1, 4, 64}, v)},
                                               {"vs", codes_value(DType::fp8ue8m0, {1, 4, 2}, vs)},
                                               {"idx", ints_value(DType::int32, {1, 1}, {3})}}),
      InterpretError);
  EXPECT_THROW(
      run_graph(gather_graph(1, 4, 64, 1, 1), {{"v", codes_value(DType::fp8e4m3, {1, 4, 64}, v)},
                                               {"vs", codes_value(DType::fp8ue8m0, {1, 4, 2}, vs)},
                                               {"idx", ints_value(DType::int32, {1, 1}, {-1})}}),
      InterpretError);
}

TEST(ReshapeBlockScaled, KeepsEveryCodeWithItsScale) {
  std::vector<uint8_t> q(128), s(4);
  for (size_t i = 0; i < q.size(); ++i) q[i] = uint8_t(i);
  s = {100, 101, 102, 103};
  const auto out =
      run_graph(reshape_graph({2, 64}, {4, 32}), {{"q", codes_value(DType::fp8e4m3, {2, 64}, q)},
                                                  {"s", codes_value(DType::fp8ue8m0, {2, 2}, s)}});
  EXPECT_EQ(out.at("q2").shape, (std::vector<int64_t>{4, 32}));
  EXPECT_EQ(out.at("q2").codes.to_vector(), q);
  // Block b of the values (codes 32b .. 32b+31) keeps scale b: row r of [4,32] is block r.
  EXPECT_EQ(out.at("s2").shape, (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(out.at("s2").codes.to_vector(), s);
}

RC_GTEST_PROP(RowGatherBlockScaled, InterpreterMatchesTheOraclePseudocode, ()) {
  const int64_t n = *rc::gen::inRange<int64_t>(1, 3), k = *rc::gen::inRange<int64_t>(1, 7);
  const int64_t c = 32 * *rc::gen::inRange<int64_t>(1, 4), w = *rc::gen::inRange<int64_t>(1, 5);
  const int32_t rows = *rc::gen::inRange<int32_t>(1, int32_t(k) + 1);
  const auto v =
      *rc::gen::container<std::vector<uint8_t>>(size_t(n * k * c), rc::gen::arbitrary<uint8_t>());
  const auto vs = *rc::gen::container<std::vector<uint8_t>>(size_t(n * k * c / 32),
                                                            rc::gen::arbitrary<uint8_t>());
  const auto idx = *rc::gen::container<std::vector<int64_t>>(
      size_t(n * w), rc::gen::inRange<int64_t>(0, k - rows + 1));
  const auto out = run_graph(gather_graph(n, k, c, w, rows),
                             {{"v", codes_value(DType::fp8e4m3, {n, k, c}, v)},
                              {"vs", codes_value(DType::fp8ue8m0, {n, k, c / 32}, vs)},
                              {"idx", ints_value(DType::int32, {n, w}, idx)}});
  RC_ASSERT(out.at("y").codes.to_vector() ==
            oracles::reference_row_gather(v, n, k, c, idx, w, rows));
  RC_ASSERT(out.at("ys").codes.to_vector() ==
            oracles::reference_row_gather(vs, n, k, c / 32, idx, w, rows));
}

RC_GTEST_PROP(ReshapeBlockScaled, InterpreterMatchesTheOraclePseudocode, ()) {
  // [a, b, 32m] -> [a*b*m/j, 32j] for a j dividing a*b*m.
  const int64_t a = *rc::gen::inRange<int64_t>(1, 4), b = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t m = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t blocks = a * b * m;
  int64_t j = *rc::gen::inRange<int64_t>(1, blocks + 1);
  while (blocks % j != 0) --j;
  const std::vector<int64_t> in{a, b, 32 * m}, to{blocks / j, 32 * j};
  const auto q =
      *rc::gen::container<std::vector<uint8_t>>(size_t(blocks * 32), rc::gen::arbitrary<uint8_t>());
  const auto s =
      *rc::gen::container<std::vector<uint8_t>>(size_t(blocks), rc::gen::arbitrary<uint8_t>());
  const auto out =
      run_graph(reshape_graph(in, to), {{"q", codes_value(DType::fp8e4m3, in, q)},
                                        {"s", codes_value(DType::fp8ue8m0, scales_of(in), s)}});
  RC_ASSERT(out.at("q2").codes.to_vector() == oracles::reference_reshape(q, in, to));
  RC_ASSERT(out.at("s2").codes.to_vector() ==
            oracles::reference_reshape(s, scales_of(in), scales_of(to)));
}

TEST(BlockScaledData, WrittenAndReadBackAsTosaToolsWritesThem) {
  for (const Graph& g :
       {reshape_graph({2, 64}, {4, 32}), reshape_graph({6}, {2, 3}, false, DType::fp32),
        gather_graph(1, 4, 64, 3, 2), gather_graph(1, 4, 5, 2, 1, false, DType::bf16)}) {
    const auto bytes = serialize_graph(g);
    const LoadResult r = deserialize_graph(bytes);
    ASSERT_TRUE(r.ok()) << r.error->message;
    ASSERT_EQ(r.graph->ops.size(), g.ops.size());
    const Operator& want = g.ops.back();
    const Operator& got = r.graph->ops.back();
    EXPECT_EQ(got.op, want.op);
    EXPECT_EQ(got.attrs.block_size, want.attrs.block_size);  // 32, or 1 for one element
    EXPECT_EQ(got.inputs, want.inputs);
    EXPECT_EQ(got.outputs, want.outputs);
    EXPECT_EQ(codes(*r.graph), std::vector<VC>{});
  }
}

// A generated graph with an MX tensor moved between its cast and its matmul: the same linear
// model lowered both ways gives the same bits, whatever the input rank, bias, payload, batching.
RC_GTEST_PROP(ReshapeBlockScaled, ReshapeAfterCastLowersToTheSameBits, ()) {
  ModelSpec m;
  const int64_t k = 32 * *rc::gen::inRange<int64_t>(1, 4);
  m.input.shape = *rc::gen::container<std::vector<int64_t>>(size_t(*rc::gen::inRange(0, 3)),
                                                            rc::gen::inRange<int64_t>(1, 4));
  m.input.shape.push_back(k);
  LayerSpec l;
  l.geometry = LinearGeom{k, *rc::gen::inRange<int64_t>(1, 9)};
  l.bias = *rc::gen::arbitrary<bool>();
  l.payload = *rc::gen::elementOf(std::vector<formats::ElementType>(
      std::begin(formats::kAllElementTypes), std::end(formats::kAllElementTypes)));
  l.weights.seed = *rc::gen::inRange<uint64_t>(1, 1000);
  m.layers = {l};
  LowerOptions plain, moved;
  plain.batched_matmul = moved.batched_matmul = *rc::gen::arbitrary<bool>();
  moved.reshape_after_cast = true;
  const Graph a = lower_model(m, "", plain), b = lower_model(m, "", moved);
  RC_ASSERT(std::count_if(b.ops.begin(), b.ops.end(), [](const Operator& o) {
              return o.op == OpKind::reshape_block_scaled;
            }) == 1);
  RC_ASSERT(validate_tosa(b, Target::parse(default_target_text(m))).empty());
  const LoadResult back = deserialize_graph(serialize_graph(b));
  RC_ASSERT(back.ok());
  std::vector<float> x(size_t(std::accumulate(m.input.shape.begin(), m.input.shape.end(),
                                              int64_t{1}, std::multiplies<>())));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 37 % 23) - 11) / 4.0f;
  const std::string in = a.inputs.at(0);
  const auto ya = run_graph(a, {{in, Value::from_f32(m.input.shape, x)}});
  const auto yb = run_graph(*back.graph, {{in, Value::from_f32(m.input.shape, x)}});
  RC_ASSERT(ya.begin()->second.f32 == yb.begin()->second.f32);
}

}  // namespace
}  // namespace mxconf::pipeline

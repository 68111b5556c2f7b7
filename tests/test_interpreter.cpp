// The interpreter's MATMUL_T_BLOCK_SCALED against the oracle's pseudocode-order reference, bit
// for bit, on random shapes, codes and scales (D = 1 and D = N, NaN scales, Inf codes).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cstring>
#include <tuple>

#include "mxconf/formats/codec.h"
#include "mxconf/pipeline/verifier.h"

#include "mxconf/oracles/pseudocode_ref.h"
#include "mxconf/pipeline/interpreter.h"

namespace mxconf::pipeline {
namespace {

// Inside a property: `count` codes of any value t's width allows (Inf and NaN codes included).
std::vector<uint8_t> random_codes(formats::ElementType t, int64_t count) {
  const int bits = formats::traits(t).code_bits;
  return *rc::gen::container<std::vector<uint8_t>>(
      size_t(count), rc::gen::inRange<uint8_t>(0, uint8_t((1 << bits) - 1)));
}

// Inside a property: `count` E8M0 scales, mostly near 1, sometimes extreme or NaN.
std::vector<uint8_t> random_scales(int64_t count) {
  return *rc::gen::container<std::vector<uint8_t>>(
      size_t(count),
      rc::gen::weightedOneOf<uint8_t>({{8, rc::gen::inRange<uint8_t>(110, 145)},
                                       {1, rc::gen::element<uint8_t>(0, 1, 253, 254, 255)}}));
}

// Inside a property: the same fp32 bits everywhere, except that any NaN matches any NaN.
void rc_assert_bit_identical(const std::vector<float>& got, const std::vector<float>& want) {
  RC_ASSERT(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      RC_ASSERT(std::isnan(got[i]));
    } else {
      RC_ASSERT(std::bit_cast<uint32_t>(got[i]) == std::bit_cast<uint32_t>(want[i]));
    }
  }
}

RC_GTEST_PROP(MatmulTBlockScaled, BitExactWithOraclePseudocode, ()) {
  const auto t = *rc::gen::elementOf(std::vector<formats::ElementType>(
      std::begin(formats::kAllElementTypes), std::end(formats::kAllElementTypes)));
  const int64_t n = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t h = *rc::gen::inRange<int64_t>(1, 6);
  const int64_t w = *rc::gen::inRange<int64_t>(1, 40);  // crosses the 16-lane tile edge
  const int64_t c = 32 * *rc::gen::inRange<int64_t>(1, 5);
  const int64_t d = *rc::gen::element<int64_t>(1, n);
  const auto ac = random_codes(t, n * h * c), bc = random_codes(t, d * w * c);
  const auto as = random_scales(n * h * c / 32), bs = random_scales(d * w * c / 32);
  std::vector<float> got(size_t(n * h * w));
  matmul_t_block_scaled(t, n, h, w, c, d, ac.data(), as.data(), bc.data(), bs.data(), got.data());
  const auto& f = *oracles::format_by_name(formats::name(t));
  const auto want = oracles::pseudocode_matmul_t(f, {n, h, w, c, d}, ac, as, bc, bs);
  rc_assert_bit_identical(got, want);
}

TEST(Interpreter, RejectsMissingAndMismatchedInputs) {
  Graph g;
  g.tensors = {{"x", {2}, DType::fp32, std::nullopt}, {"y", {2}, DType::bf16, std::nullopt}};
  g.ops = {{OpKind::cast, 65, {"x"}, {"y"}, {}}};
  g.inputs = {"x"};
  g.outputs = {"y"};
  EXPECT_THROW(run_graph(g, {}), InterpretError);
  EXPECT_THROW(run_graph(g, {{"x", Value::from_f32({3}, {1, 2, 3})}}), InterpretError);
  EXPECT_THROW(run_graph(g, {{"x", Value::from_bf16({2}, {1, 2})}}), InterpretError);
  const auto out = run_graph(g, {{"x", Value::from_f32({2}, {1.0f, 1.00390625f})}});
  EXPECT_EQ(out.at("y").bf16, (std::vector<uint16_t>{0x3F80, 0x3F80})) << "RNE: 1+2^-8 ties to 1.0";
}

}  // namespace
}  // namespace mxconf::pipeline

namespace mxconf::pipeline {
namespace {

// The non-MX fallback (tosa-mx-spec.md §4): CAST_FROM_BLOCK_SCALED(W) -> TRANSPOSE [0,2,1] ->
// MATMUL(x3, Wt, 0, 0). It rounds differently (scales per element, one long fp32 sum), so it
// agrees with MATMUL_T_BLOCK_SCALED only within a tolerance; on exactly representable data it
// agrees exactly.
TEST(Interpreter, FallbackFormMatchesBlockScaledMatmul) {
  const int64_t m = 3, k = 64, n = 5;
  std::vector<uint8_t> xq(size_t(m * k)), wq(size_t(n * k));
  for (size_t i = 0; i < xq.size(); ++i) xq[i] = uint8_t((i * 3) % 7 + 0x30);   // e4m3 0.5..0.875
  for (size_t i = 0; i < wq.size(); ++i) wq[i] = uint8_t((i * 5) % 11 + 0x38);  // 1.0..2.5
  const std::vector<uint8_t> xs(size_t(m * k / 32), 127), ws(size_t(n * k / 32), 126);

  auto bytes_of = [](const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  Graph g;
  g.tensors = {make_const("xq", DType::fp8e4m3, {1, m, k}, xq),
               make_const("xs", DType::fp8ue8m0, {1, m, k / 32}, xs),
               make_const("wq", DType::fp8e4m3, {1, n, k}, wq),
               make_const("ws", DType::fp8ue8m0, {1, n, k / 32}, ws),
               {"x3", {1, m, k}, DType::fp32, std::nullopt},
               {"w", {1, n, k}, DType::fp32, std::nullopt},
               {"wt", {1, k, n}, DType::fp32, std::nullopt},
               make_const("zp", DType::fp32, {1}, bytes_of({0.0f})),
               {"fallback", {1, m, n}, DType::fp32, std::nullopt},
               {"blockscaled", {1, m, n}, DType::fp32, std::nullopt}};
  Operator from_x{OpKind::cast_from_block_scaled, 77, {"xq", "xs"}, {"x3"}, {}};
  Operator from_w{OpKind::cast_from_block_scaled, 77, {"wq", "ws"}, {"w"}, {}};
  from_x.attrs.block_size = from_w.attrs.block_size = 32;
  Operator tr{OpKind::transpose, 61, {"w"}, {"wt"}, {}};
  tr.attrs.perms = {0, 2, 1};
  Operator mmt{OpKind::matmul_t_block_scaled, 76, {"xq", "xs", "wq", "ws"}, {"blockscaled"}, {}};
  mmt.attrs.block_size = 32;
  g.ops = {{OpKind::const_tensor, 67, {}, {"xq"}, {}},
           {OpKind::const_tensor, 67, {}, {"xs"}, {}},
           {OpKind::const_tensor, 67, {}, {"wq"}, {}},
           {OpKind::const_tensor, 67, {}, {"ws"}, {}},
           {OpKind::const_tensor, 67, {}, {"zp"}, {}},
           from_x,
           from_w,
           tr,
           {OpKind::matmul, 7, {"x3", "wt", "zp", "zp"}, {"fallback"}, {}},
           mmt};
  g.outputs = {"fallback", "blockscaled"};
  ASSERT_TRUE(verify_graph(g).empty());
  const auto out = run_graph(g, {});
  const auto& a = out.at("fallback").f32;
  const auto& b = out.at("blockscaled").f32;
  ASSERT_EQ(a.size(), size_t(m * n));
  for (size_t i = 0; i < a.size(); ++i) {
    // Small integers times powers of two: every partial sum is exact in fp32 either way.
    EXPECT_EQ(a[i], b[i]) << i;
    double want = 0;
    const size_t r = i / size_t(n), c = i % size_t(n);
    for (int64_t kk = 0; kk < k; ++kk) {
      want +=
          double(formats::decode(formats::ElementType::fp8e4m3, xq[r * size_t(k) + size_t(kk)])) *
          double(formats::decode(formats::ElementType::fp8e4m3, wq[c * size_t(k) + size_t(kk)])) *
          0.5;
    }
    EXPECT_EQ(double(a[i]), want) << i;
  }
}

}  // namespace
}  // namespace mxconf::pipeline

namespace mxconf::pipeline {
namespace {

// Storage: copying a value copies no elements, RESHAPE is a view, and nothing handed out of a run
// borrows from the graph (the graph may be gone when the outputs are read; ASan runs this too).
Graph reshape_graph(std::optional<std::vector<uint8_t>> constant) {
  std::vector<uint8_t> shape_bytes(2 * 8);
  const int64_t dims[2] = {2, 32};
  std::memcpy(shape_bytes.data(), dims, sizeof(dims));
  Graph g;
  g.tensors = {{"x", {64}, DType::fp32, std::nullopt},
               make_const("s", DType::shape, {2}, shape_bytes),
               {"y", {2, 32}, DType::fp32, std::nullopt}};
  g.ops = {{OpKind::const_shape, 0, {}, {"s"}, {}}, {OpKind::reshape, 0, {"x", "s"}, {"y"}, {}}};
  g.outputs = {"y"};
  if (constant) {
    g.tensors[0] = make_const("x", DType::fp32, {64}, *constant);
    g.ops.insert(g.ops.begin(), {OpKind::const_tensor, 0, {}, {"x"}, {}});
  } else {
    g.inputs = {"x"};
  }
  return g;
}

TEST(InterpreterStorage, ReshapeOfAnInputIsAViewOfTheSameStorage) {
  std::vector<float> v(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 1.5f;
  const Value x = Value::from_f32({64}, v);
  const auto out = run_graph(reshape_graph(std::nullopt), {{"x", x}});
  EXPECT_EQ(out.at("y").shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(out.at("y").f32, v);
  EXPECT_EQ(out.at("y").f32.data(), x.f32.data()) << "no element was copied";
}

TEST(InterpreterStorage, OutputsNeverBorrowFromTheGraph) {
  std::vector<float> v(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) - 9.0f;
  std::vector<uint8_t> bytes(v.size() * 4);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  std::map<std::string, Value> outs, all;
  {
    const Graph g = reshape_graph(bytes);
    InterpreterOptions o;
    o.intermediates = &all;
    outs = run_graph(g, {}, o);
    EXPECT_NE(outs.at("y").f32.data(), reinterpret_cast<const float*>(g.find("x")->data->data()));
    EXPECT_FALSE(outs.at("y").f32.borrowed());
    for (const auto& [name, value] : all) EXPECT_FALSE(value.f32.borrowed()) << name;
  }
  // The graph is destroyed; the outputs and intermediates still hold their values.
  EXPECT_EQ(outs.at("y").f32, v);
  EXPECT_EQ(all.at("x").f32, v);
}

// Only one-byte codes are used as stored: a single fp4 element packs into one byte (fp6 into a
// group of three) whose unused bits must not reach the code.
TEST(InterpreterStorage, SubByteConstantsAreUnpackedEvenWhenOneByteLong) {
  for (const auto& [dtype, bytes, code] :
       {std::tuple{DType::fp4e2m1, std::vector<uint8_t>{0xF3}, uint8_t{0x03}},
        std::tuple{DType::fp6e2m3, std::vector<uint8_t>{0xC5, 0xFF, 0xFF}, uint8_t{0x05}},
        std::tuple{DType::fp8e4m3, std::vector<uint8_t>{0xC5}, uint8_t{0xC5}}}) {
    Graph g;
    g.tensors = {make_const("c", dtype, {1}, bytes)};
    g.ops = {{OpKind::const_tensor, 0, {}, {"c"}, {}}};
    g.outputs = {"c"};
    EXPECT_EQ(run_graph(g, {}).at("c").codes, (std::vector<uint8_t>{code})) << name(dtype);
  }
}

TEST(InterpreterStorage, BufferViewsShareAndOwnedCopiesBorrowedStorage) {
  const std::vector<float> v = {1.0f, 2.0f, 3.0f};
  const Buffer<float> borrowed = Buffer<float>::borrow(v.data(), v.size());
  EXPECT_TRUE(borrowed.borrowed());
  const Buffer<float> own = borrowed.owned();
  EXPECT_FALSE(own.borrowed());
  EXPECT_NE(own.data(), v.data());
  EXPECT_EQ(own, v);
  const Buffer<float> shared = own;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(shared.data(), own.data());
  float* w = nullptr;
  const Buffer<float> big = Buffer<float>::allocate(size_t{1} << 20, &w);  // a mapped allocation
  for (size_t i = 0; i < big.size(); ++i) w[i] = float(i);
  EXPECT_EQ(big[12345], 12345.0f);
  big.release(0, big.size());  // not file-backed: ignored, the values stay
  EXPECT_EQ(big[(size_t{1} << 20) - 1], float((size_t{1} << 20) - 1));
}

}  // namespace
}  // namespace mxconf::pipeline

namespace mxconf::pipeline {
namespace {

// CONV2D_BLOCK_SCALED's kernel (gathered windows through the matmul kernel) against the oracle's
// direct loops in the spec's order, bit for bit: kernels 1x1-5x4, strides and dilations 1-3,
// pads 0-3 (windows mostly in the padding included), bias of OC or 1, Inf codes, NaN and
// extreme scales.
RC_GTEST_PROP(Conv2dBlockScaled, BitExactWithOraclePseudocode, ()) {
  const auto t = *rc::gen::elementOf(std::vector<formats::ElementType>(
      std::begin(formats::kAllElementTypes), std::end(formats::kAllElementTypes)));
  Conv2dShape s;
  s.n = *rc::gen::inRange<int64_t>(1, 3);
  s.ih = *rc::gen::inRange<int64_t>(1, 8);
  s.iw = *rc::gen::inRange<int64_t>(1, 8);
  s.ic = 32 * *rc::gen::inRange<int64_t>(1, 3);
  s.oc = *rc::gen::inRange<int64_t>(1, 40);  // crosses the 32-lane tile edge
  s.kh = *rc::gen::inRange<int64_t>(1, 6);
  s.kw = *rc::gen::inRange<int64_t>(1, 5);
  s.stride_y = *rc::gen::inRange<int64_t>(1, 4);
  s.stride_x = *rc::gen::inRange<int64_t>(1, 4);
  s.dilation_y = *rc::gen::inRange<int64_t>(1, 4);
  s.dilation_x = *rc::gen::inRange<int64_t>(1, 4);
  s.pad_top = *rc::gen::inRange<int64_t>(0, 4);
  s.pad_left = *rc::gen::inRange<int64_t>(0, 4);
  // The bottom and right pads that make the output size exact, if any within 0..3 + stride.
  auto complete = [](int64_t in, int64_t pad_a, int64_t k, int64_t stride, int64_t dilation) {
    for (int64_t pad_b = 0; pad_b <= 3 + stride; ++pad_b) {
      const int64_t span = in - 1 + pad_a + pad_b - (k - 1) * dilation;
      if (span >= 0 && span % stride == 0) return pad_b;
    }
    return int64_t{-1};
  };
  s.pad_bottom = complete(s.ih, s.pad_top, s.kh, s.stride_y, s.dilation_y);
  s.pad_right = complete(s.iw, s.pad_left, s.kw, s.stride_x, s.dilation_x);
  RC_PRE(s.pad_bottom >= 0 && s.pad_right >= 0);
  const int64_t oh = *s.oh(), ow = *s.ow();
  const auto ic = random_codes(t, s.n * s.ih * s.iw * s.ic),
             wc = random_codes(t, s.oc * s.kh * s.kw * s.ic);
  const auto is = random_scales(s.n * s.ih * s.iw * s.ic / 32),
             ws = random_scales(s.oc * s.kh * s.kw * s.ic / 32);
  const int64_t bias_count = *rc::gen::element<int64_t>(1, s.oc);
  const auto bias = *rc::gen::container<std::vector<float>>(
      size_t(bias_count),
      rc::gen::map(rc::gen::inRange(-1000, 1000), [](int v) { return float(v) * 0.125f; }));
  std::vector<float> got(size_t(s.n * oh * ow * s.oc));
  conv2d_block_scaled(t, s, ic.data(), is.data(), wc.data(), ws.data(), bias.data(), bias_count,
                      got.data());
  const auto& f = *oracles::format_by_name(formats::name(t));
  const oracles::Conv2dGeometry g{s.n,         s.ih,       s.iw,       s.ic,         s.oc,
                                  s.kh,        s.kw,       s.pad_top,  s.pad_bottom, s.pad_left,
                                  s.pad_right, s.stride_y, s.stride_x, s.dilation_y, s.dilation_x};
  const auto want = oracles::pseudocode_conv2d(f, g, ic, is, wc, ws, bias);
  rc_assert_bit_identical(got, want);
}

TEST(Conv2dBlockScaled, RejectsShapesTheOpForbids) {
  std::vector<uint8_t> bytes(4096, 0x38);
  std::vector<float> bias(4, 0.0f), out(4096);
  Conv2dShape s;
  s.ih = s.iw = 4;
  s.kh = s.kw = 3;
  s.oc = 4;
  s.stride_y = 2;  // (4 - 1 - 2) / 2 is not exact
  EXPECT_FALSE(s.oh().has_value());
  EXPECT_THROW(conv2d_block_scaled(formats::ElementType::fp8e4m3, s, bytes.data(), bytes.data(),
                                   bytes.data(), bytes.data(), bias.data(), 4, out.data()),
               std::invalid_argument);
  s.stride_y = 1;
  ASSERT_EQ(s.oh(), 2);
  EXPECT_THROW(conv2d_block_scaled(formats::ElementType::fp8e4m3, s, bytes.data(), bytes.data(),
                                   bytes.data(), bytes.data(), bias.data(), 3, out.data()),
               std::invalid_argument)
      << "BC must be OC or 1";
  s.pad_top = -1;
  EXPECT_FALSE(s.oh().has_value()) << "pads >= 0";
}

}  // namespace
}  // namespace mxconf::pipeline

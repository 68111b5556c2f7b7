// The interpreter's MATMUL_T_BLOCK_SCALED against the oracle's pseudocode-order reference, bit
// for bit, on random shapes, codes and scales (D = 1 and D = N, NaN scales, Inf codes).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>

#include "mxconf/oracles/pseudocode_ref.h"
#include "mxconf/pipeline/interpreter.h"

namespace mxconf::pipeline {
namespace {

RC_GTEST_PROP(MatmulTBlockScaled, BitExactWithOraclePseudocode, ()) {
  const auto t = *rc::gen::elementOf(std::vector<formats::ElementType>(
      std::begin(formats::kAllElementTypes), std::end(formats::kAllElementTypes)));
  const int64_t n = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t h = *rc::gen::inRange<int64_t>(1, 6);
  const int64_t w = *rc::gen::inRange<int64_t>(1, 40);  // crosses the 16-lane tile edge
  const int64_t c = 32 * *rc::gen::inRange<int64_t>(1, 5);
  const int64_t d = *rc::gen::element<int64_t>(1, n);
  const int bits = formats::traits(t).code_bits;
  auto codes = [&](int64_t count) {
    return *rc::gen::container<std::vector<uint8_t>>(
        size_t(count), rc::gen::inRange<uint8_t>(0, uint8_t((1 << bits) - 1)));
  };
  auto scales = [&](int64_t count) {
    // Mostly near 1, sometimes extreme or NaN.
    return *rc::gen::container<std::vector<uint8_t>>(
        size_t(count),
        rc::gen::weightedOneOf<uint8_t>({{8, rc::gen::inRange<uint8_t>(110, 145)},
                                         {1, rc::gen::element<uint8_t>(0, 1, 253, 254, 255)}}));
  };
  const auto ac = codes(n * h * c), bc = codes(d * w * c);
  const auto as = scales(n * h * c / 32), bs = scales(d * w * c / 32);
  std::vector<float> got(size_t(n * h * w));
  matmul_t_block_scaled(t, n, h, w, c, d, ac.data(), as.data(), bc.data(), bs.data(), got.data());
  const auto& f = *oracles::format_by_name(formats::name(t));
  const auto want = oracles::pseudocode_matmul_t(f, {n, h, w, c, d}, ac, as, bc, bs);
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      RC_ASSERT(std::isnan(got[i]));
    } else {
      RC_ASSERT(std::bit_cast<uint32_t>(got[i]) == std::bit_cast<uint32_t>(want[i]));
    }
  }
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

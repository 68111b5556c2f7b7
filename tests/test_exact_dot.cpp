// The oracle's exact dot product and its fp32 pseudocode-order reference.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/exact_dot.h"
#include "mxconf/oracles/pseudocode_ref.h"

namespace mxconf::oracles {
namespace {

__extension__ typedef __int128 i128;

// Code of an exactly representable value (test helper; the oracle's quantize is exact there).
uint8_t code_of(const FormatSpec& f, double v) {
  return f.quantize(v, OverflowPolicy::tosa);
}

using Bytes = std::vector<uint8_t>;

ExactSum dot(const FormatSpec& f, const std::vector<uint8_t>& ac, const std::vector<uint8_t>& as,
             const std::vector<uint8_t>& bc, const std::vector<uint8_t>& bs) {
  return exact_dot(decode_mx_vector(f, ac, as), decode_mx_vector(f, bc, bs));
}

TEST(ExactSum, CorrectRoundingToDoubleAndFloat) {
  ExactSum s;
  s.add(1, 0);
  s.add(1, -24);
  s.add(1, -60);
  // 1 + 2^-24 + 2^-60: above the fp32 tie, so RNE gives 1 + 2^-23. Rounding via double first
  // would land on the tie and give 1.0: to_float must not double-round.
  EXPECT_EQ(s.to_float(), 1.0f + 0x1p-23f);
  EXPECT_EQ(s.to_double(), 1.0 + 0x1p-24);
  ExactSum tie;
  tie.add(1, 0);
  tie.add(1, -24);
  EXPECT_EQ(tie.to_float(), 1.0f);
  ExactSum sub;  // fp32 subnormals: 2^-150 is a tie with 0; a hair more rounds to 2^-149
  sub.add(1, -150);
  EXPECT_EQ(sub.to_float(), 0.0f);
  sub.add(1, -200);
  EXPECT_EQ(sub.to_float(), 0x1p-149f);
  ExactSum big;
  big.add(1, 200);
  EXPECT_EQ(big.to_float(), std::numeric_limits<float>::infinity());
  EXPECT_EQ(big.to_double(), 0x1p200);
  ExactSum neg;
  neg.add(-3, -5);
  neg.add(1, -7);
  EXPECT_EQ(neg.to_double(), -3.0 / 32 + 1.0 / 128);
  EXPECT_EQ(neg.sign(), -1);
}

TEST(ExactDot, OnesWithOppositeExtremeScalesGiveExactly32) {
  const FormatSpec& f = fp4e2m1();
  std::vector<uint8_t> ones(32, code_of(f, 1.0));
  // 2^-127 * 2^127 = 1 per product.
  EXPECT_EQ(dot(f, ones, {0x00}, ones, {0xFE}).to_double(), 32.0);
}

TEST(ExactDot, CancellationAcrossBlocksKeepsTheTinyTerm) {
  // Blocks: +448*448 * 2^(2*120), then 2^-9*2^-9 * 2^(-2*127), then -448*448 * 2^(2*120).
  // A double accumulator in this order loses the middle term; the exact sum is exactly it.
  const FormatSpec& f = fp8e4m3();
  std::vector<uint8_t> a(96, 0), b(96, 0);
  a[0] = b[0] = code_of(f, 448);
  a[32] = b[32] = code_of(f, 0x1p-9);
  a[64] = code_of(f, -448);
  b[64] = code_of(f, 448);
  const std::vector<uint8_t> scales = {127 + 120, 0, 127 + 120};
  const ExactSum s = dot(f, a, scales, b, scales);
  EXPECT_EQ(s.to_double(), 0x1p-272);
  double naive = 0;
  naive += 448.0 * 448.0 * 0x1p240;
  naive += 0x1p-272;
  naive -= 448.0 * 448.0 * 0x1p240;
  EXPECT_EQ(naive, 0.0) << "the naive order really does lose it";
}

TEST(ExactDot, E5m2SplitBlockSumIsExact) {
  const FormatSpec& f = fp8e5m2();
  std::vector<uint8_t> a(32, 0), b(32, 0);
  a[0] = b[0] = code_of(f, 57344);
  a[1] = b[1] = code_of(f, 0x1p-16);  // smallest subnormal
  ExactSum s = dot(f, a, {127}, b, {127});
  s.add(-int64_t(57344) * 57344, 0);
  EXPECT_EQ(s.to_double(), 0x1p-32) << "57344^2 + 2^-32 needs 64 bits";
  std::vector<uint8_t> maxes(32, code_of(f, -57344));
  std::vector<uint8_t> pmaxes(32, code_of(f, 57344));
  EXPECT_EQ(dot(f, maxes, {127}, pmaxes, {127}).to_double(), -32.0 * 57344.0 * 57344.0);
}

TEST(ExactDot, NonFiniteFollowsIeee) {
  const FormatSpec& f = fp8e5m2();
  std::vector<uint8_t> a(32, code_of(f, 1.0)), b(32, code_of(f, 1.0));
  EXPECT_TRUE(dot(f, a, {0xFF}, b, {127}).is_nan()) << "NaN scale";
  a[3] = 0x7C;  // +Inf
  EXPECT_EQ(dot(f, a, {127}, b, {127}).to_double(), std::numeric_limits<double>::infinity());
  b[3] = 0;  // Inf * 0
  EXPECT_TRUE(dot(f, a, {127}, b, {127}).is_nan());
}

// Brute force with __int128 when the scales span few binades: every product is an integer in
// units of 2^(2q + min scale exponent), summed exactly in 128 bits.
double brute_force_dot(const FormatSpec& f, const std::vector<uint8_t>& ac,
                       const std::vector<uint8_t>& as, const std::vector<uint8_t>& bc,
                       const std::vector<uint8_t>& bs, int& lsb_exp) {
  int min_s = 1000;
  for (size_t i = 0; i < as.size(); ++i) min_s = std::min(min_s, int(as[i]) + int(bs[i]));
  lsb_exp = 2 * f.quantum_exp() + min_s - 254;
  i128 total = 0;
  for (size_t k = 0; k < ac.size(); ++k) {
    const int64_t ma = int64_t(std::ldexp(f.value(ac[k]), -f.quantum_exp()));
    const int64_t mb = int64_t(std::ldexp(f.value(bc[k]), -f.quantum_exp()));
    const int shift = int(as[k / 32]) + int(bs[k / 32]) - min_s;
    total += (i128(ma) * mb) << shift;
  }
  return std::ldexp(double(total), lsb_exp);  // int128 -> double rounds to nearest even
}

RC_GTEST_PROP(ExactDot, MatchesInt128BruteForce, ()) {
  const FormatSpec* f = *rc::gen::elementOf(all_formats());
  const int blocks = *rc::gen::inRange(1, 5);
  const int base = *rc::gen::inRange(100, 150);
  auto finite_code = rc::gen::suchThat(rc::gen::inRange<int>(0, f->code_count()),
                                       [f](int c) { return std::isfinite(f->value(uint8_t(c))); });
  std::vector<uint8_t> ac, bc, as, bs;
  for (int i = 0; i < 32 * blocks; ++i) {
    ac.push_back(uint8_t(*finite_code));
    bc.push_back(uint8_t(*finite_code));
  }
  for (int b = 0; b < blocks; ++b) {
    as.push_back(uint8_t(base + *rc::gen::inRange(0, 12)));
    bs.push_back(uint8_t(base + *rc::gen::inRange(0, 12)));
  }
  int lsb;
  const double want = brute_force_dot(*f, ac, as, bc, bs, lsb);
  RC_ASSERT(dot(*f, ac, as, bc, bs).to_double() == want);
}

TEST(PseudocodeReference, SequentialFp32BlockSumLosesLowBits) {
  // 448*448 = 200704 then 31 products of 2^-18: each fp32 addition rounds them away.
  const FormatSpec& f = fp8e4m3();
  std::vector<uint8_t> a(32, code_of(f, 0x1p-9)), b(32, code_of(f, 0x1p-9));
  a[0] = b[0] = code_of(f, 448);
  EXPECT_EQ(pseudocode_dot(f, a, Bytes{127}, b, Bytes{127}), 200704.0f);
  EXPECT_GT(dot(f, a, {127}, b, {127}).to_double(), 200704.0);
}

TEST(PseudocodeReference, ScaleProductIsFormedBeforeMultiplying) {
  // sA * sB = 2^127 * 2^-127 = 1 in fp32 (2^-127 is a subnormal, exact). Multiplying the block
  // by sA first would overflow to Inf.
  const FormatSpec& f = fp8e4m3();
  std::vector<uint8_t> a(32, 0), b(32, 0);
  a[0] = b[0] = code_of(f, 448);
  EXPECT_EQ(pseudocode_dot(f, a, Bytes{254}, b, Bytes{0}), 200704.0f);
  EXPECT_TRUE(std::isinf(200704.0f * 0x1p127f));
}

TEST(PseudocodeReference, LoopStopsAtTheLastBlock) {
  // Erratum §9.1: the spec's `b <= C/32` would read a block past the end. With C = 32 exactly
  // one block contributes.
  const FormatSpec& f = fp4e2m1();
  std::vector<uint8_t> a(32, code_of(f, 1.0)), b(32, code_of(f, 2.0));
  EXPECT_EQ(pseudocode_dot(f, a, Bytes{127}, b, Bytes{127}), 64.0f);
}

TEST(PseudocodeReference, MatmulBroadcastsBWhenDIsOne) {
  const FormatSpec& f = fp4e2m1();
  const MatmulTShape s{2, 1, 1, 32, 1};
  std::vector<uint8_t> a(64, code_of(f, 1.0));
  std::fill(a.begin() + 32, a.end(), code_of(f, 2.0));
  std::vector<uint8_t> b(32, code_of(f, 3.0));
  const auto out = pseudocode_matmul_t(f, s, a, Bytes{127, 127}, b, Bytes{127});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], 96.0f);
  EXPECT_EQ(out[1], 192.0f);
  EXPECT_THROW(pseudocode_matmul_t(f, {2, 1, 1, 32, 3}, a, Bytes{127, 127}, b, Bytes{127}),
               std::invalid_argument);
}

}  // namespace
}  // namespace mxconf::oracles

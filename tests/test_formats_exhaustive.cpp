// Every code of every format: formats/ and oracles/ decode identically, encode(decode(c)) == c,
// every midpoint rounds to even, and values past the top follow the overflow rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "support/bridge.h"

namespace mxconf::test {
namespace {

using formats::ElementType;
using formats::Overflow;

class EveryFormat : public ::testing::TestWithParam<ElementType> {};

// The code of -value(code): the sign bit for the float formats, the two's complement for mxint8.
uint8_t negated(ElementType t, int code) {
  if (formats::traits(t).twos_complement) return uint8_t(-int8_t(uint8_t(code)));
  return uint8_t(code | formats::sign_bit(t));
}

TEST_P(EveryFormat, DecodeAgreesWithOracleForEveryCode) {
  const ElementType t = GetParam();
  const oracles::FormatSpec& f = oracle_format(t);
  ASSERT_EQ(formats::code_count(t), f.code_count());
  for (int c = 0; c < f.code_count(); ++c) {
    const float got = formats::decode(t, uint8_t(c));
    const double want = f.value(uint8_t(c));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "code " << c;
      EXPECT_TRUE(formats::is_nan_code(t, uint8_t(c)));
    } else {
      EXPECT_EQ(bits(got), bits(float(want))) << "code " << c << " want " << want;
      EXPECT_EQ(double(got), want) << "code " << c;  // the float holds the value exactly
    }
  }
}

TEST_P(EveryFormat, EncodeOfDecodeIsIdentityForNonNanCodes) {
  const ElementType t = GetParam();
  int checked = 0;
  for (int c = 0; c < formats::code_count(t); ++c) {
    if (formats::is_nan_code(t, uint8_t(c))) continue;
    EXPECT_EQ(formats::encode(t, formats::decode(t, uint8_t(c))), c) << "code " << c;
    ++checked;
  }
  EXPECT_EQ(checked, formats::code_count(t) - (t == ElementType::fp8e4m3   ? 2
                                               : t == ElementType::fp8e5m2 ? 6
                                                                           : 0));
}

// Positive finite magnitudes and their codes, ascending, from the oracle's value model.
std::vector<std::pair<double, int>> ladder(const oracles::FormatSpec& f) {
  std::vector<std::pair<double, int>> v;
  for (int c = 0; c < f.code_count() / 2; ++c) {
    if (std::isfinite(f.value(uint8_t(c)))) v.emplace_back(f.value(uint8_t(c)), c);
  }
  std::sort(v.begin(), v.end());
  return v;
}

TEST_P(EveryFormat, EveryMidpointRoundsToEvenAndNeighboursToNearest) {
  const ElementType t = GetParam();
  const oracles::FormatSpec& f = oracle_format(t);
  const auto v = ladder(f);
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    const auto [lo, lo_code] = v[i];
    const auto [hi, hi_code] = v[i + 1];
    const float mid = float((lo + hi) / 2);  // exact in fp32
    ASSERT_EQ(double(mid), (lo + hi) / 2);
    const int even = (lo_code % 2 == 0) ? lo_code : hi_code;
    EXPECT_EQ(formats::encode(t, mid), even) << f.name << " midpoint " << mid;
    EXPECT_EQ(formats::encode(t, -mid), negated(t, even)) << f.name << " midpoint " << -mid;
    EXPECT_EQ(f.quantize(mid, oracles::OverflowPolicy::tosa), even);
    EXPECT_EQ(formats::encode(t, std::nextafter(mid, 0.0f)), lo_code);
    EXPECT_EQ(formats::encode(t, std::nextafter(mid, 1e30f)), hi_code);
  }
}

TEST_P(EveryFormat, ValuesPastTheTopFollowTheOverflowRule) {
  const ElementType t = GetParam();
  const formats::ElementTraits tr = formats::traits(t);
  const float max = tr.max_normal;
  // The tie between max and the next binade value: even code wins. Only e4m3's max code (0x7E)
  // is even; for the others the tie overflows.
  const float step = float(oracle_format(t).ulp_at_max());
  const float tie = max + step / 2;
  const uint8_t overflow_code = tr.has_inf   ? uint8_t(tr.max_code + 1)
                                : tr.has_nan ? uint8_t(0x7F)
                                             : tr.max_code;  // fp6/fp4: mxconf saturates
  EXPECT_EQ(formats::encode(t, tie), t == ElementType::fp8e4m3 ? tr.max_code : overflow_code);
  EXPECT_EQ(formats::encode(t, std::nextafter(tie, 0.0f)), tr.max_code);
  EXPECT_EQ(formats::encode(t, std::nextafter(tie, 1e30f)), overflow_code);
  EXPECT_EQ(formats::encode(t, max * 4), overflow_code);
  EXPECT_EQ(formats::encode(t, std::numeric_limits<float>::max()), overflow_code);
  // The most negative code: -max for the float formats, -2 (0x80) for mxint8.
  const uint8_t lowest = tr.twos_complement ? uint8_t(0x80) : negated(t, tr.max_code);
  const uint8_t neg_overflow = tr.has_inf   ? uint8_t(overflow_code | 0x80)
                               : tr.has_nan ? overflow_code
                                            : lowest;
  EXPECT_EQ(formats::encode(t, -max * 4), neg_overflow);
  // Infinity: Inf for e5m2, NaN for e4m3, saturation for fp6/fp4.
  EXPECT_EQ(formats::encode(t, std::numeric_limits<float>::infinity()), overflow_code);
  // Saturating (OCP/torchao) conversion clamps everything finite and infinite to +-max.
  EXPECT_EQ(formats::encode(t, max * 4, Overflow::saturate), tr.max_code);
  EXPECT_EQ(formats::encode(t, -max * 4, Overflow::saturate), lowest);
  EXPECT_EQ(formats::encode(t, std::numeric_limits<float>::infinity(), Overflow::saturate),
            tr.max_code);
  // The oracle follows the same rules.
  const oracles::FormatSpec& f = oracle_format(t);
  EXPECT_EQ(f.quantize(tie, oracles::OverflowPolicy::tosa), formats::encode(t, tie));
  EXPECT_EQ(f.quantize(max * 4, oracles::OverflowPolicy::tosa), overflow_code);
  EXPECT_EQ(f.quantize(max * 4, oracles::OverflowPolicy::saturate), tr.max_code);
}

TEST_P(EveryFormat, SignedZeroSubnormalsAndNan) {
  const ElementType t = GetParam();
  EXPECT_EQ(formats::encode(t, 0.0f), 0);
  // mxint8 has one zero: -0 is code 0.
  EXPECT_EQ(formats::encode(t, -0.0f), negated(t, 0));
  // The smallest positive value (the subnormal quantum; 1/64 for mxint8), from the oracle's model.
  const float min_sub = std::ldexp(1.0f, oracle_format(t).quantum_exp());
  EXPECT_EQ(formats::encode(t, min_sub), 1);
  EXPECT_EQ(formats::encode(t, -min_sub), negated(t, 1));
  EXPECT_EQ(formats::encode(t, min_sub / 2), 0) << "tie with zero goes to even (zero)";
  EXPECT_EQ(formats::encode(t, min_sub * 0.75f), 1);
  EXPECT_EQ(formats::encode(t, std::numeric_limits<float>::denorm_min()), 0);
  EXPECT_EQ(formats::encode(t, std::numeric_limits<float>::quiet_NaN()), formats::nan_code(t));
  EXPECT_EQ(formats::encode(t, -std::numeric_limits<float>::quiet_NaN()), formats::nan_code(t));
  EXPECT_EQ(oracle_format(t).nan_code(), formats::nan_code(t));
}

INSTANTIATE_TEST_SUITE_P(Formats, EveryFormat, ::testing::ValuesIn(formats::kAllElementTypes),
                         [](const auto& p) { return std::string(formats::name(p.param)); });

TEST(E8m0AndBf16, DecodeAndRound) {
  EXPECT_EQ(formats::decode_e8m0(0x7F), 1.0f);
  EXPECT_EQ(formats::decode_e8m0(0xFE), std::ldexp(1.0f, 127));
  EXPECT_EQ(formats::decode_e8m0(0x00), std::ldexp(1.0f, -127));
  EXPECT_TRUE(std::isnan(formats::decode_e8m0(0xFF)));
  for (int e = 0; e < 255; ++e) {
    EXPECT_EQ(double(formats::decode_e8m0(uint8_t(e))), oracles::e8m0_value(uint8_t(e)));
  }
  EXPECT_EQ(formats::float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(formats::float_to_bf16(f32(0x3F808000u)), 0x3F80) << "tie to even";
  EXPECT_EQ(formats::float_to_bf16(f32(0x3F818000u)), 0x3F82) << "tie to even (up)";
  EXPECT_EQ(formats::float_to_bf16(f32(0x3F808001u)), 0x3F81);
  EXPECT_EQ(formats::bf16_to_float(0xC000), -2.0f);
}

}  // namespace
}  // namespace mxconf::test

namespace mxconf::test {
namespace {

// dequantize_blocks (the table-and-multiply form used by quantize and CAST_FROM_BLOCK_SCALED)
// against the per-element dequantize, bit for bit: every code with every E8M0 scale, every type.
TEST(DequantizeBlocks, BitIdenticalToPerElementDequantizeForEveryCodeAndScale) {
  for (formats::ElementType t : formats::kAllElementTypes) {
    // Each block of 32 has one scale; cycle the scales so every (code, scale) pair occurs.
    std::vector<uint8_t> all_codes, all_scales;
    for (int s = 0; s < 256; ++s) {
      for (int c = 0; c < 256; ++c) all_codes.push_back(uint8_t(c));
      for (int b = 0; b < 256 / 32; ++b) all_scales.push_back(uint8_t(s));
    }
    std::vector<float> out(all_codes.size());
    formats::dequantize_blocks(t, all_codes, all_scales, out);
    for (size_t i = 0; i < out.size(); ++i) {
      const float want = formats::dequantize(t, all_codes[i], all_scales[i / 32]);
      ASSERT_EQ(bits(out[i]), bits(want)) << formats::name(t) << " code " << int(all_codes[i])
                                          << " scale " << int(all_scales[i / 32]);
    }
    std::vector<float> wrong(31);
    EXPECT_THROW(formats::dequantize_blocks(t, std::span(all_codes).first(31),
                                            std::span(all_scales).first(1), wrong),
                 std::invalid_argument);
  }
}

}  // namespace
}  // namespace mxconf::test

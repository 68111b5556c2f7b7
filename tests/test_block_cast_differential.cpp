// formats/ (the implementation) against oracles/ (exact arithmetic), bit for bit: a RapidCheck
// property with shrinking, and a deterministic sweep of adversarial blocks per format and rule.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdlib>
#include <sstream>

#include "mxconf/formats/block_cast.h"
#include "mxconf/generators/adversarial_blocks.h"
#include "mxconf/runner/block_cast_check.h"
#include "support/bridge.h"

namespace mxconf::test {
namespace {

using generators::AdversarialBlock;
using generators::AdversarialBlockSource;
using generators::BlockKind;

using formats::ElementType;
using formats::ScaleRule;

// fp32 bit patterns biased toward the interesting: specials, zeros, subnormals, cut-offs, plain
// small integers. RapidCheck shrinks integers toward 0, i.e. toward +0.0 and plainer values.
rc::Gen<uint32_t> gen_fp32_bits() {
  return rc::gen::weightedOneOf<uint32_t>({
      {6, rc::gen::arbitrary<uint32_t>()},
      {4,
       rc::gen::map(rc::gen::inRange<int>(-64, 65), [](int i) { return bits(float(i) * 0.25f); })},
      {1, rc::gen::element<uint32_t>(0x7FC00000u, 0x7F800000u, 0xFF800000u, 0x80000000u, 0u,
                                     0x00000001u, 0x007FFFFFu, 0x7F7FFFFFu, 0x43E80000u,
                                     0x40E00000u, 0x476F0000u)},
      {2, rc::gen::map(rc::gen::inRange<uint32_t>(0, 0x800000u), [](uint32_t m) { return m; })},
  });
}

RC_GTEST_PROP(BlockCastDifferential, FormatsMatchOracleBitForBit, ()) {
  const auto t = *rc::gen::elementOf(std::vector<ElementType>(std::begin(formats::kAllElementTypes),
                                                              std::end(formats::kAllElementTypes)));
  const auto r = *rc::gen::elementOf(std::vector<ScaleRule>(std::begin(formats::kAllScaleRules),
                                                            std::end(formats::kAllScaleRules)));
  const bool bf16 = *rc::gen::arbitrary<bool>();
  auto in = *rc::gen::container<std::vector<uint32_t>>(32, gen_fp32_bits());
  if (bf16) {
    for (uint32_t& v : in) v &= 0xFFFF0000u;  // bf16 values; the oracle sees the same bits
  }
  const auto c = runner::compare_block_cast(t, r, in.data(), bf16);
  if (!c.agree()) RC_FAIL(c.describe(in.data()));
}

// How many blocks per (format, rule): 10^6 by default; MXCONF_SWEEP_BLOCKS overrides it (the
// sanitizer build uses fewer, the default build always runs the full count).
size_t sweep_blocks() {
  if (const char* env = std::getenv("MXCONF_SWEEP_BLOCKS")) return std::strtoull(env, nullptr, 10);
  return 1'000'000;
}

struct SweepParam {
  ElementType type;
  ScaleRule rule;
};

class AdversarialSweep : public ::testing::TestWithParam<SweepParam> {};

TEST_P(AdversarialSweep, FormatsMatchOracleOnEveryBlock) {
  const auto [t, r] = GetParam();
  const size_t n = sweep_blocks();
  AdversarialBlockSource source(0x6d78636f6e66ULL ^ (uint64_t(t) << 8) ^ uint64_t(r));
  size_t per_kind[size_t(BlockKind::kind_count)] = {};
  size_t mismatches = 0;
  for (size_t i = 0; i < n; ++i) {
    const AdversarialBlock blk = source.next(oracle_format(t));
    const auto c = runner::compare_block_cast(t, r, blk.bits, blk.bf16);
    ++per_kind[size_t(blk.kind)];
    if (!c.agree() && ++mismatches <= 3) {
      ADD_FAILURE() << formats::name(t) << " " << formats::name(r) << " block " << i << " kind "
                    << int(blk.kind) << (blk.bf16 ? " bf16: " : " fp32: ") << c.describe(blk.bits);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  for (size_t k = 0; k < size_t(BlockKind::kind_count); ++k) {
    EXPECT_GE(per_kind[k], n / size_t(BlockKind::kind_count)) << "kind " << k;
  }
  RecordProperty("blocks_compared", std::to_string(n));
}

std::vector<SweepParam> all_pairs() {
  std::vector<SweepParam> v;
  for (ElementType t : formats::kAllElementTypes) {
    for (ScaleRule r : formats::kAllScaleRules) v.push_back({t, r});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(AllFormatsAndRules, AdversarialSweep, ::testing::ValuesIn(all_pairs()),
                         [](const auto& p) {
                           std::string s = std::string(formats::name(p.param.type)) + "_" +
                                           std::string(formats::name(p.param.rule));
                           for (char& c : s) c = (c == '-') ? '_' : c;
                           return s;
                         });

// The rules really differ: across the sweep's cut-off blocks every pair of rules disagrees
// somewhere (otherwise the "adversarial" blocks would not be adversarial).
TEST(AdversarialBlocks, CutoffBlocksSeparateTheRules) {
  for (ElementType t : formats::kAllElementTypes) {
    AdversarialBlockSource source(7);
    bool differs[4][4] = {};
    for (int i = 0; i < 7000; ++i) {
      const AdversarialBlock blk = source.next(oracle_format(t));
      if (blk.kind != BlockKind::cutoff_max || blk.bf16) continue;
      uint8_t s[4];
      for (int r = 0; r < 4; ++r) {
        s[r] = runner::compare_block_cast(t, formats::kAllScaleRules[r], blk.bits, false)
                   .implementation.scale;
      }
      for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 4; ++b) differs[a][b] |= s[a] != s[b];
      }
    }
    const ScaleRule* rules = formats::kAllScaleRules;
    for (int a = 0; a < 4; ++a) {
      for (int b = a + 1; b < 4; ++b) {
        // e4m3: RCEIL equals pre-#44 (tosa-mx-spec.md §2.4), the only pair that never differs.
        if (t == ElementType::fp8e4m3 && rules[a] == ScaleRule::tosa_pre44 &&
            rules[b] == ScaleRule::rceil) {
          EXPECT_FALSE(differs[a][b]);
          continue;
        }
        EXPECT_TRUE(differs[a][b]) << formats::name(t) << ": " << formats::name(rules[a]) << " vs "
                                   << formats::name(rules[b]);
      }
    }
  }
}

}  // namespace
}  // namespace mxconf::test

// TOSA's dot-product data sets, checked against the formulas of conformance-practice.md §5
// written out here once more, literally (O(i) set_data per value, the table row by row).
#include <gtest/gtest.h>

#include <cmath>

#include "mxconf/generators/campaigns.h"

namespace {

using namespace mxconf;
using generators::Campaign;

// Expected values computed outside mxconf (a Python transcription of the SPEC appendix A LCG).
TEST(TosaSetData, MatchesIndependentlyComputedValues) {
  EXPECT_EQ(generators::tosa_set_data(0, 0), 0x1.c1697ap-1f);
  EXPECT_EQ(generators::tosa_set_data(0, 1), 0x1.75e2p-1f);
  EXPECT_EQ(generators::tosa_set_data(1, 0), -0x1.ccb548p-1f);
  EXPECT_EQ(generators::tosa_set_data(5, 7), -0x1.4fcd72p-2f);
  EXPECT_EQ(generators::tosa_set_data(17, 1000), 0x1.fbda84p-1f);
}

constexpr double kB = 0x1p64 - 0x1p40;  // fp32's B, as campaigns.h documents (UNVERIFIED for MX)

float u(int set, int j, int64_t i) {
  return generators::tosa_set_data(uint32_t(3 * set + j), uint32_t(i));
}
float sg(float v) {
  return v < 0 ? -1.0f : 1.0f;
}

// tosa_pro_fp_data(S, KS, p, k, i), straight from the table.
float pro_fp_data(int s, int64_t ks, int p, int64_t k, int64_t i) {
  const double KS = double(ks);
  switch (s) {
    case 0:
      if (p == 2) return 0;
      if (p == 0) return u(s, 0, i) < 0 ? 0.0f : u(s, 1, i);
      return u(s, 0, i) < 0 ? u(s, 1, i) : 0.0f;
    case 1: {
      const float x = 0.75f * sg(u(s, p, 2 * i)) + 0.25f * u(s, p, 2 * i + 1);
      return p == 2 ? float(kB * kB / (KS + 1) * x) : float(kB / std::sqrt(KS + 1) * x);
    }
    case 2:
      if (p == 2) return 0;
      return k == 0 ? 1.0f : float(u(s, p, i) / std::sqrt(KS));
    case 3:
      if (p == 2) return 0;
      return k == 0 ? 16.0f * sg(u(s, p, 2 * i))
                    : float(std::exp(2.0 * u(s, p, 2 * i)) * u(s, p, 2 * i + 1));
    case 4:
      if (p == 2) return 0;
      if (k == ks / 2) return (p == 0 ? 0.5f : -0.5f) * sg(u(s, 0, i));
      if (p == 0) return u(s, 0, i) < 0 ? 0.0f : float(kB / std::sqrt(KS) * u(s, 1, i));
      return u(s, 0, i) < 0 ? float(kB / std::sqrt(KS) * u(s, 1, i)) : 0.0f;
    default:
      if (p == 2) return 0;
      return float(kB / std::sqrt(KS) * u(s, p, i));
  }
}

class TosaSets : public ::testing::TestWithParam<int> {};

TEST_P(TosaSets, InputsWeightsAndBiasFollowTheTable) {
  const int s = GetParam();
  pipeline::ModelSpec m;
  m.input.shape = {3, 64};  // 3 rows, KS = 64
  pipeline::LayerSpec l;
  l.geometry = pipeline::LinearGeom{64, 5};
  l.bias = true;
  m.layers.push_back(l);
  const Campaign c = Campaign(s);

  const std::vector<float> x =
      generators::campaign_input(m, {c, /*seed=*/99, nlohmann::json::object(), {}});
  ASSERT_EQ(x.size(), 3u * 64u);
  for (int64_t i = 0; i < 3 * 64; ++i) {
    // Bit equality, NaN-free by construction; EXPECT_EQ on floats would accept -0 == +0.
    EXPECT_EQ(std::signbit(x[size_t(i)]), std::signbit(pro_fp_data(s, 64, 0, i % 64, i)));
    ASSERT_EQ(x[size_t(i)], pro_fp_data(s, 64, 0, i % 64, i)) << "S" << s << " input " << i;
  }
  const pipeline::ModelSpec filled = generators::campaign_model(m, c);
  const std::vector<float>& w = filled.layers[0].weights.values;
  ASSERT_EQ(w.size(), 5u * 64u);
  for (int64_t i = 0; i < 5 * 64; ++i)
    ASSERT_EQ(w[size_t(i)], pro_fp_data(s, 64, 1, i % 64, i)) << "S" << s << " weight " << i;
  const std::vector<float>& b = filled.layers[0].bias_values->values;
  ASSERT_EQ(b.size(), 5u);
  for (int64_t i = 0; i < 5; ++i)
    ASSERT_EQ(b[size_t(i)], pro_fp_data(s, 64, 2, 0, i)) << "S" << s << " bias " << i;
}

INSTANTIATE_TEST_SUITE_P(S0toS5, TosaSets, ::testing::Range(0, 6));

}  // namespace

namespace mxconf::test {
namespace {

// TOSA's CONV2D_BLOCK_SCALED data sets as chapters/appendix_a.adoc (lines 179-190 at cd5acdd)
// writes them: KS = KW * KH * IC, input[n, iy, ix, ic] = tosa_pro_fp_data(S, KS, 0,
// ((iy % KH) * KW + (ix % KW)) * IC + ic, ((n * IH + iy) * IW + ix) * IC + ic), weight[oc, ky,
// kx, ic] = tosa_pro_fp_data(S, KS, 1, (ky * KW + kx) * IC + ic, ((oc * KH + ky) * KW + kx) * IC
// + ic). Sets 2 and 3 single out k == 0 and set 4 k == KS / 2: the data shows which k each
// element got.
TEST(TosaDataSets, ConvDataFollowsTheAppendixFormulas) {
  const int64_t n = 2, ic = 32, ih = 4, iw = 5, kh = 3, kw = 2, oc = 3;
  pipeline::ModelSpec m;
  m.input.shape = {n, ic, ih, iw};
  pipeline::Conv2dGeom g;
  g.in_channels = ic;
  g.out_channels = oc;
  g.kernel = {kh, kw};
  pipeline::LayerSpec l;
  l.geometry = g;
  m.layers = {l};
  const int64_t ks = kw * kh * ic;
  for (const generators::Campaign campaign :
       {generators::Campaign::tosa_s2, generators::Campaign::tosa_s3,
        generators::Campaign::tosa_s4}) {
    const int set = *generators::tosa_set(campaign);
    generators::DataSpec d;
    d.campaign = campaign;
    const std::vector<float> x = generators::campaign_input(m, d);  // logical NCHW
    const generators::TosaDotProductData in(set, ks, 0, size_t(n * ih * iw * ic));
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < ih; ++y)
        for (int64_t xx = 0; xx < iw; ++xx)
          for (int64_t c = 0; c < ic; ++c) {
            const int64_t k = ((y % kh) * kw + (xx % kw)) * ic + c;
            const int64_t i = ((b * ih + y) * iw + xx) * ic + c;
            ASSERT_EQ(x[size_t(((b * ic + c) * ih + y) * iw + xx)], in.value(k, uint32_t(i)))
                << generators::name(campaign) << " at n " << b << " iy " << y << " ix " << xx
                << " ic " << c;
          }
    // The weights: OIHW storage, k along the OHWI row.
    const pipeline::ModelSpec w = generators::campaign_model(m, campaign);
    const generators::TosaDotProductData wd(set, ks, 1, size_t(oc * ks));
    const auto& values = w.layers[0].weights.values;
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; ++kx)
          for (int64_t c = 0; c < ic; ++c) {
            const int64_t k = (ky * kw + kx) * ic + c;
            const int64_t i = ((o * kh + ky) * kw + kx) * ic + c;
            ASSERT_EQ(values[size_t(((o * ic + c) * kh + ky) * kw + kx)], wd.value(k, uint32_t(i)));
          }
  }
  // Set 2's k == 0 elements (iy % 3 == 0, ix % 2 == 0, ic == 0) are 1.0, and only they are.
  generators::DataSpec d;
  d.campaign = generators::Campaign::tosa_s2;
  const std::vector<float> x = generators::campaign_input(m, d);
  for (int64_t y = 0; y < ih; ++y)
    for (int64_t xx = 0; xx < iw; ++xx)
      EXPECT_EQ(x[size_t((0 * ih + y) * iw + xx)] == 1.0f, y % kh == 0 && xx % kw == 0)
          << y << " " << xx;
}

}  // namespace
}  // namespace mxconf::test

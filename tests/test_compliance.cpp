// TOSA compliance checks: the MX-relaxed DOT_PRODUCT bounds and the block-cast scale check.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mxconf/oracles/compliance.h"

namespace mxconf::oracles {
namespace {

TEST(MxDotProductBounds, FormulaValues) {
  // ABS_BOUND = 2*max(ksb, min(ksb,64)*2^10); VEB = 1.6*max(ksb, min(ksb,64)*2^20).
  EXPECT_EQ(mx_dot_product_bounds(32).abs_bound, 65536.0);
  EXPECT_DOUBLE_EQ(mx_dot_product_bounds(32).variance_error_bound, 1.6 * 32 * 1048576.0);
  EXPECT_EQ(mx_dot_product_bounds(64).abs_bound, 131072.0);
  EXPECT_EQ(mx_dot_product_bounds(1000).abs_bound, 131072.0);  // 2^17 for 64 <= ksb <= 2^16
  EXPECT_EQ(mx_dot_product_bounds(65536).abs_bound, 131072.0);
  EXPECT_EQ(mx_dot_product_bounds(131072).abs_bound, 262144.0);
}

TEST(CheckDotProduct, PerElementBound) {
  const DotProductBounds b = mx_dot_product_bounds(32);
  // bnd = 1: the unit is max(2^-24, 2^-126) = 2^-24, so |imp - ref| <= 65536 * 2^-24 = 2^-8.
  std::vector<double> ref = {1.0, 1.0}, bnd = {1.0, 1.0};
  std::vector<float> ok = {1.0f + 0x1p-9f, 1.0f - 0x1p-8f};
  const auto r0 = check_dot_product(ok, ref, bnd, b, false);
  EXPECT_EQ(r0.element_failures, 0u);
  EXPECT_DOUBLE_EQ(r0.max_abs_err, 65536.0) << "the bound itself is inclusive";
  // With only T = 2 outputs these errors break the tensor-wide variance bound.
  EXPECT_FALSE(r0.pass);
  std::vector<float> small = {1.0f + 0x1p-20f, 1.0f - 0x1p-20f};
  EXPECT_TRUE(check_dot_product(small, ref, bnd, b, false).pass);
  std::vector<float> bad = {1.0f, 1.0f + 0x1p-7f};
  const auto r = check_dot_product(bad, ref, bnd, b, false);
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.first_failure, 1);
  EXPECT_EQ(r.element_failures, 1u);
  EXPECT_DOUBLE_EQ(r.max_abs_err, 131072.0);
}

TEST(CheckDotProduct, Bf16OutputsAreMeasuredInBf16Units) {
  // A BF16 output's unit is bnd * 2^-(1 + 7) = 2^-8 for bnd = 1: an error of 2^-6 is 4 units
  // in BF16 but 2^18 > ABS_BOUND = 65536 units in FP32.
  const std::vector<double> ref = {1.0}, bnd = {1.0};
  const std::vector<float> off = {1.0f + 0x1p-6f};
  const DotProductBounds fp32 = mx_dot_product_bounds(32);
  const DotProductBounds bf16 = mx_dot_product_bounds(32, 7);
  EXPECT_EQ(bf16.unit, 0x1p-8);
  EXPECT_EQ(fp32.unit, 0x1p-24);
  EXPECT_EQ(check_dot_product(off, ref, bnd, fp32, false).element_failures, 1u);
  const auto r = check_dot_product(off, ref, bnd, bf16, false);
  EXPECT_EQ(r.element_failures, 0u);
  EXPECT_DOUBLE_EQ(r.max_abs_err, 4.0);
  // BF16's largest finite value bounds the overflow rule: (2 - 2^-7) * 2^127.
  EXPECT_EQ(bf16.max_value, 0x1.fep127);
}

TEST(CheckDotProduct, NanZeroAndOverflowRules) {
  const DotProductBounds b = mx_dot_product_bounds(32);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(check_dot_product(std::vector<float>{1.0f}, std::vector<double>{nan},
                                 std::vector<double>{1.0}, b, false)
                   .pass);
  EXPECT_TRUE(check_dot_product(std::vector<float>{float(nan)}, std::vector<double>{nan},
                                std::vector<double>{1.0}, b, false)
                  .pass);
  EXPECT_FALSE(check_dot_product(std::vector<float>{0x1p-100f}, std::vector<double>{0.0},
                                 std::vector<double>{0.0}, b, false)
                   .pass)
      << "bnd 0 needs 0";
  EXPECT_TRUE(check_dot_product(std::vector<float>{123.0f}, std::vector<double>{1.0},
                                std::vector<double>{3e38}, b, false)
                  .pass)
      << "bound overflows";
}

TEST(CheckDotProduct, VarianceAndBiasStatistics) {
  const DotProductBounds b = mx_dot_product_bounds(32);  // ABS 65536, VEB ~5.37e7
  const size_t t = 1000;
  std::vector<double> ref(t, 1.0), bnd(t, 1.0);
  // err = 60000 everywhere: each within ABS_BOUND, but sum err^2 = 3.6e9 T > VEB T.
  std::vector<float> loud(t, float(1.0 + 60000 * 0x1p-24));
  const auto r1 = check_dot_product(loud, ref, bnd, b, false);
  EXPECT_EQ(r1.element_failures, 0u);
  EXPECT_FALSE(r1.pass);
  // err = 7000 everywhere: variance passes (4.9e7 < 5.37e7), the S3-S5 bias check does not
  // (7e6 > sqrt(10 VEB T) ~ 7.3e5).
  std::vector<float> biased(t, float(1.0 + 7000 * 0x1p-24));
  EXPECT_TRUE(check_dot_product(biased, ref, bnd, b, false).pass);
  const auto r2 = check_dot_product(biased, ref, bnd, b, true);
  EXPECT_FALSE(r2.pass);
  EXPECT_NE(r2.reason.find("sum err"), std::string::npos);
}

TEST(CheckCastElement, OneBinadeScaleLeniency) {
  const FormatSpec& f = fp4e2m1();
  // input 3.0 with reference scale 1 (byte 127) and code for 3.0 (0b0101).
  EXPECT_TRUE(check_cast_element(f, 3.0, 127, 0x5, 127).pass);
  // A test scale of 2 with 1.5 (code 3): still 3.0; accepted (the check cannot see rule drift).
  EXPECT_TRUE(check_cast_element(f, 3.0, 128, 0x3, 127).pass);
  // A test scale of 4 is outside one ulp of the reference scale.
  EXPECT_FALSE(check_cast_element(f, 3.0, 129, 0x2, 127).pass);
  // Value 2 ulps off (4.0 -> 6.0 is one step; 3.0 -> 4.0 is 1 ulp of binade 2): 3.0 vs 6.0 fails.
  EXPECT_FALSE(check_cast_element(f, 3.0, 127, 0x7, 127).pass);
  EXPECT_TRUE(check_cast_element(f, 3.0, 127, 0x6, 127).pass) << "1 ulp (binade 2, 1 mantissa bit)";
  EXPECT_TRUE(check_cast_element(f, 3.0, 0x80, 0x0, 0xFF).pass) << "NaN reference scale";
}

// Types with neither Inf nor NaN (fp6, fp4, mxint8): tosa_reference_check_fp_bnd clamps both
// limits into [normal_lowest, normal_max] (SPEC tosa_reference_check.tosac l.86-89). Input 11
// (reference scale 2) at a test scale of 1, one ulp below: 11 +- 4 (1 ulp at binade 8) is
// [7, 15], wholly past fp4's max 6, and clamps to [6, 6]: the saturated 6 passes (the unclamped
// interval failed it), 4 does not.
TEST(CheckCastElement, SaturatedValueWithTheSmallerScaleIsAccepted) {
  const FormatSpec& f = fp4e2m1();
  EXPECT_TRUE(check_cast_element(f, 11.0, 127, 0x7, 128).pass);
  EXPECT_FALSE(check_cast_element(f, 11.0, 127, 0x6, 128).pass) << "4.0 is below the clamped 6";
  // mxint8: ulp 1/64 everywhere, lowest -2. Input -2.1 at test scale 1 clamps to [-2, -2].
  const FormatSpec& m = mxint8();
  EXPECT_TRUE(check_cast_element(m, -2.1, 127, 0x80, 128).pass);
  EXPECT_FALSE(check_cast_element(m, -2.1, 127, 0x81, 128).pass) << "-127/64 is not -2";
  // Inside the range the mxint8 bound is 1/64: 0.5 accepts 31/64..33/64, not 30/64.
  EXPECT_TRUE(check_cast_element(m, 0.5, 127, 33, 127).pass);
  EXPECT_TRUE(check_cast_element(m, 0.5, 127, 31, 127).pass);
  EXPECT_FALSE(check_cast_element(m, 0.5, 127, 30, 127).pass);
  EXPECT_FALSE(check_cast_element(m, 0.5, 127, 34, 127).pass);
}

TEST(CheckCastElement, E4m3AllowsTwoUlps) {
  const FormatSpec& f = fp8e4m3();
  // input 1.0, ulp at 1.0 is 2^-3: 1.25 (2 ulps) passes for e4m3, 1.375 (3 ulps) fails.
  EXPECT_TRUE(check_cast_element(f, 1.0, 127, f.quantize(1.25, OverflowPolicy::tosa), 127).pass);
  EXPECT_FALSE(check_cast_element(f, 1.0, 127, f.quantize(1.375, OverflowPolicy::tosa), 127).pass);
}

}  // namespace
}  // namespace mxconf::oracles

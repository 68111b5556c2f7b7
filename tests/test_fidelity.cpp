#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mxconf/oracles/fidelity.h"

namespace mxconf::oracles {
namespace {

TEST(Fidelity, IdenticalIsPerfect) {
  const std::vector<float> v = {1.0f, -2.0f, 3.5f};
  const Fidelity f = fidelity(v, v);
  EXPECT_EQ(f.rel_frobenius, 0.0);
  EXPECT_DOUBLE_EQ(f.cosine, 1.0);
  EXPECT_TRUE(std::isinf(f.sqnr_db));
  EXPECT_EQ(f.max_ulp, 0u);
}

TEST(Fidelity, OrthogonalAndScaled) {
  const Fidelity f = fidelity(std::vector<float>{0.0f, 1.0f}, std::vector<float>{1.0f, 0.0f});
  EXPECT_DOUBLE_EQ(f.cosine, 0.0);
  EXPECT_DOUBLE_EQ(f.rel_frobenius, std::sqrt(2.0));
  // test = 1.1 * ref: rel Frobenius 0.1, cosine 1, SQNR 20 dB.
  const Fidelity g = fidelity(std::vector<float>{1.1f, 2.2f}, std::vector<float>{1.0f, 2.0f});
  EXPECT_NEAR(g.rel_frobenius, 0.1, 1e-6);
  EXPECT_NEAR(g.cosine, 1.0, 1e-12);
  EXPECT_NEAR(g.sqnr_db, 20.0, 1e-4);
}

TEST(UlpDistance, OrderedBitPatterns) {
  EXPECT_EQ(ulp_distance(1.0f, std::nextafter(1.0f, 2.0f)), 1u);
  EXPECT_EQ(ulp_distance(0.0f, -0.0f), 0u);
  const float d = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(ulp_distance(-d, d), 2u);
  EXPECT_EQ(ulp_distance(std::nanf(""), 1.0f), std::numeric_limits<uint64_t>::max());
}

}  // namespace
}  // namespace mxconf::oracles

// The oracle's own reader of packed constants (oracles/packing.h), against bytes written by hand
// from the format description, not by formats/.
#include <gtest/gtest.h>

#include <vector>

#include "mxconf/oracles/packing.h"

namespace mxconf::oracles {
namespace {

TEST(OraclePacking, Fp4EvenElementInTheLowNibble) {
  // Bytes 0x21 0x43 0x65 0xF7: elements 1 2 3 4 5 6 7 15.
  const std::vector<uint8_t> bytes = {0x21, 0x43, 0x65, 0xF7};
  const auto codes = unpack_codes(fp4e2m1(), bytes, 8);
  ASSERT_TRUE(codes.has_value());
  EXPECT_EQ(*codes, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 15}));
}

TEST(OraclePacking, Fp6FourElementsInThreeLittleEndianBytes) {
  // Elements 3, 10, 17, 24 -> word 3 | 10 << 6 | 17 << 12 | 24 << 18 = 0x611283 -> 83 12 61.
  const std::vector<uint8_t> bytes = {0x83, 0x12, 0x61, 0xFF, 0xFF, 0xFF};
  const auto codes = unpack_codes(fp6e2m3(), bytes, 8);
  ASSERT_TRUE(codes.has_value());
  EXPECT_EQ(*codes, (std::vector<uint8_t>{3, 10, 17, 24, 63, 63, 63, 63}));
}

TEST(OraclePacking, Fp8IsOneBytePerElement) {
  const std::vector<uint8_t> bytes = {0x00, 0x7E, 0xFF};
  EXPECT_EQ(*unpack_codes(fp8e4m3(), bytes, 3), bytes);
}

TEST(OraclePacking, RefusesTheWrongByteCount) {
  EXPECT_EQ(packed_bytes(fp4e2m1(), 64), 32u);
  EXPECT_EQ(packed_bytes(fp6e3m2(), 64), 48u);
  EXPECT_EQ(packed_bytes(fp8e5m2(), 64), 64u);
  EXPECT_FALSE(unpack_codes(fp4e2m1(), std::vector<uint8_t>(3), 8).has_value());
  EXPECT_FALSE(unpack_codes(fp6e2m3(), std::vector<uint8_t>(7), 8).has_value());
}

}  // namespace
}  // namespace mxconf::oracles

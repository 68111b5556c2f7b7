#include <gtest/gtest.h>

#include <vector>

#include "mxconf/formats/packing.h"

namespace mxconf::formats {
namespace {

TEST(Packing, Fp4LowNibbleIsTheEvenElement) {
  // [1,1,8] gives 4 bytes (executorch test_process_node.py); element 0 in the low nibble.
  const std::vector<uint8_t> codes = {0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0xF};
  const auto packed = pack(ElementType::fp4e2m1, codes);
  EXPECT_EQ(packed, (std::vector<uint8_t>{0x21, 0x43, 0x65, 0xF7}));
  std::vector<uint8_t> back;
  ASSERT_TRUE(unpack(ElementType::fp4e2m1, packed, codes.size(), back));
  EXPECT_EQ(back, codes);
}

TEST(Packing, Fp6FourValuesInThreeBytes) {
  // 32 values give 24 bytes. Bit order: value j at bits 6j..6j+5 of the little-endian 24-bit
  // word, as tosa-tools 2026.5.0's pack_6bit_array writes (sut/tests/test_adapters.py).
  std::vector<uint8_t> codes(32);
  for (size_t i = 0; i < 32; ++i) codes[i] = uint8_t((i * 7 + 3) & 0x3F);
  const auto packed = pack(ElementType::fp6e2m3, codes);
  EXPECT_EQ(packed.size(), 24u);
  // First group 3, 10, 17, 24: word = 3 | 10<<6 | 17<<12 | 24<<18 = 0x611283.
  EXPECT_EQ(packed[0], 0x83);
  EXPECT_EQ(packed[1], 0x12);
  EXPECT_EQ(packed[2], 0x61);
  std::vector<uint8_t> back;
  ASSERT_TRUE(unpack(ElementType::fp6e3m2, packed, 32, back));
  EXPECT_EQ(back, codes);
}

TEST(Packing, SizesAndRejection) {
  EXPECT_EQ(packed_size(ElementType::fp8e4m3, 64), 64u);
  EXPECT_EQ(packed_size(ElementType::fp4e2m1, 64), 32u);
  EXPECT_EQ(packed_size(ElementType::fp6e3m2, 64), 48u);
  std::vector<uint8_t> out;
  EXPECT_FALSE(unpack(ElementType::fp4e2m1, std::vector<uint8_t>(3), 8, out));
}

}  // namespace
}  // namespace mxconf::formats

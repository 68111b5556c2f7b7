#include "mxconf/formats/packing.h"

#include "mxconf/faults/faults.h"

namespace mxconf::formats {

size_t packed_size(ElementType t, size_t count) {
  switch (traits(t).code_bits) {
    case 4:
      return (count + 1) / 2;
    case 6:
      return (count + 3) / 4 * 3;
    default:
      return count;
  }
}

// Element j sits at bits [6j, 6j + 6) of the group; the fp6_group_order fault mirrors it (in the
// writer and the reader alike, so the two still agree with each other).
static int fp6_slot(int j) {
  return MXCONF_FAULT(fp6_group_order) ? 3 - j : j;
}

void pack_fp6_group(const uint8_t codes[4], uint8_t out[3]) {
  uint32_t word = 0;
  for (int j = 0; j < 4; ++j) word |= uint32_t(codes[j] & 0x3F) << (6 * fp6_slot(j));
  out[0] = uint8_t(word);
  out[1] = uint8_t(word >> 8);
  out[2] = uint8_t(word >> 16);
}

void unpack_fp6_group(const uint8_t in[3], uint8_t codes[4]) {
  const uint32_t word = uint32_t(in[0]) | uint32_t(in[1]) << 8 | uint32_t(in[2]) << 16;
  for (int j = 0; j < 4; ++j) codes[j] = uint8_t((word >> (6 * fp6_slot(j))) & 0x3F);
}

std::vector<uint8_t> pack(ElementType t, std::span<const uint8_t> codes) {
  std::vector<uint8_t> out(packed_size(t, codes.size()), 0);
  switch (traits(t).code_bits) {
    case 4: {
      // Even elements go to the low nibble; the fp4_nibble_order fault swaps the two shifts.
      const int even_shift = MXCONF_FAULT(fp4_nibble_order) ? 4 : 0;
      for (size_t i = 0; i < codes.size(); ++i) {
        const int shift = i % 2 == 0 ? even_shift : 4 - even_shift;
        out[i / 2] |= uint8_t((codes[i] & 0x0F) << shift);
      }
      break;
    }
    case 6:
      for (size_t g = 0; g < codes.size(); g += 4) {
        uint8_t group[4] = {0, 0, 0, 0};
        for (size_t j = 0; j < 4 && g + j < codes.size(); ++j) group[j] = codes[g + j];
        pack_fp6_group(group, &out[g / 4 * 3]);
      }
      break;
    default:
      for (size_t i = 0; i < codes.size(); ++i) out[i] = codes[i];
  }
  return out;
}

bool unpack(ElementType t, std::span<const uint8_t> packed, size_t count,
            std::vector<uint8_t>& out) {
  if (packed.size() != packed_size(t, count)) return false;
  out.assign(count, 0);
  switch (traits(t).code_bits) {
    case 4:
      for (size_t i = 0; i < count; ++i) {
        const uint8_t byte = packed[i / 2];
        out[i] = (i % 2 == 0) ? (byte & 0x0F) : uint8_t(byte >> 4);
      }
      break;
    case 6:
      for (size_t g = 0; g < count; g += 4) {
        uint8_t group[4];
        unpack_fp6_group(&packed[g / 4 * 3], group);
        for (size_t j = 0; j < 4 && g + j < count; ++j) out[g + j] = group[j];
      }
      break;
    default:
      for (size_t i = 0; i < count; ++i) out[i] = packed[i];
  }
  return true;
}

}  // namespace mxconf::formats

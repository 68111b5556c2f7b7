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

void pack_fp6_group(const uint8_t codes[4], uint8_t out[3]) {
  const uint32_t word = uint32_t(codes[0] & 0x3F) | uint32_t(codes[1] & 0x3F) << 6 |
                        uint32_t(codes[2] & 0x3F) << 12 | uint32_t(codes[3] & 0x3F) << 18;
  out[0] = uint8_t(word);
  out[1] = uint8_t(word >> 8);
  out[2] = uint8_t(word >> 16);
}

void unpack_fp6_group(const uint8_t in[3], uint8_t codes[4]) {
  const uint32_t word = uint32_t(in[0]) | uint32_t(in[1]) << 8 | uint32_t(in[2]) << 16;
  for (int j = 0; j < 4; ++j) codes[j] = uint8_t((word >> (6 * j)) & 0x3F);
}

std::vector<uint8_t> pack(ElementType t, std::span<const uint8_t> codes) {
  std::vector<uint8_t> out(packed_size(t, codes.size()), 0);
  switch (traits(t).code_bits) {
    case 4:
      for (size_t i = 0; i < codes.size(); ++i) {
        const uint8_t nib = codes[i] & 0x0F;
        const bool low = (i % 2 == 0) != MXCONF_FAULT(fp4_nibble_order);
        out[i / 2] |= low ? nib : uint8_t(nib << 4);
      }
      break;
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

#include "mxconf/oracles/packing.h"

namespace mxconf::oracles {

size_t packed_bytes(const FormatSpec& f, size_t count) {
  const size_t bits = size_t(f.code_bits());
  if (bits == 6) return (count + 3) / 4 * 3;
  return (count * bits + 7) / 8;
}

std::optional<std::vector<uint8_t>> unpack_codes(const FormatSpec& f,
                                                 std::span<const uint8_t> bytes, size_t count) {
  if (bytes.size() != packed_bytes(f, count)) return std::nullopt;
  const size_t bits = size_t(f.code_bits());
  const unsigned mask = (1u << bits) - 1;
  std::vector<uint8_t> codes(count);
  for (size_t i = 0; i < count; ++i) {
    // Bit position of element i in the stream; a code spans at most two bytes.
    const size_t at = i * bits;
    unsigned window = bytes[at / 8];
    if (at / 8 + 1 < bytes.size()) window |= unsigned(bytes[at / 8 + 1]) << 8;
    codes[i] = uint8_t((window >> (at % 8)) & mask);
  }
  return codes;
}

}  // namespace mxconf::oracles

// Packed storage of sub-byte payloads in .tosa constants (tosa-flatbuffer-format.md §10).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mxconf/formats/element_type.h"

namespace mxconf::formats {

// Bytes needed to store `count` elements of type t.
size_t packed_size(ElementType t, size_t count);

// fp4: two per byte, even element in the low nibble. fp6: four values in three bytes, in
// pack_fp6_group's bit order. Both match tosa-tools 2026.5.0's pack_4bit_array and
// pack_6bit_array (sut/tests/test_adapters.py, PackedLayouts and NpyLayouts).
// fp8: one byte each. `codes` hold one unpacked code per element.
std::vector<uint8_t> pack(ElementType t, std::span<const uint8_t> codes);
// Returns false if `packed` does not hold exactly packed_size(t, count) bytes.
bool unpack(ElementType t, std::span<const uint8_t> packed, size_t count,
            std::vector<uint8_t>& out);

// The single place that fixes the fp6 bit order: little-endian bit packing, value j occupies
// bits [6j, 6j+6) of the 24-bit little-endian word b0 | b1<<8 | b2<<16, as tosa-tools'
// pack_6bit_array writes it (checked by sut/tests/test_adapters.py against the pinned release).
void pack_fp6_group(const uint8_t codes[4], uint8_t out[3]);
void unpack_fp6_group(const uint8_t in[3], uint8_t codes[4]);

}  // namespace mxconf::formats

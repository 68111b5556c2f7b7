// Reading packed constant payloads, written from the format description
// (tosa-flatbuffer-format.md §10) and apart from formats/packing on purpose: a writer and a
// reader that agree with each other but not with the format must not pass.
// The rule, one for every width: codes are packed least-significant bit first into a
// little-endian bit stream, code_bits() bits each. So fp8 is one byte per element; fp4 holds
// element 2i in the low nibble of byte i; fp6 holds four elements in three bytes, element j of
// the group in bits [6j, 6j+6) of the little-endian 24-bit word. The fp4 nibble order is
// inferred from PyTorch's float4_e2m1fn_x2 layout; the fp6 order is UNVERIFIED until checked
// against tosa-tools (docs/formats.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

// Bytes a packed constant of `count` elements occupies (fp6: whole three-byte groups).
size_t packed_bytes(const FormatSpec& f, size_t count);

// One code per element; nullopt when `bytes` does not hold exactly packed_bytes(f, count).
std::optional<std::vector<uint8_t>> unpack_codes(const FormatSpec& f,
                                                 std::span<const uint8_t> bytes, size_t count);

}  // namespace mxconf::oracles

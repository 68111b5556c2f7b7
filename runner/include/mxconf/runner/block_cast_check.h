// Tier (a) for CAST_TO_BLOCK_SCALED: the implementation (formats/) against the oracle's exact
// block quantization, bit for bit.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "mxconf/formats/block_cast.h"
#include "mxconf/oracles/format_model.h"

namespace mxconf::runner {

struct BlockCastResult {
  uint8_t scale = 0;
  std::array<uint8_t, 32> codes{};
  bool operator==(const BlockCastResult&) const = default;
};

struct BlockCastComparison {
  BlockCastResult implementation;
  BlockCastResult oracle;
  bool agree() const { return implementation == oracle; }
  // Scale bytes and every differing element, one per line.
  std::string describe(const uint32_t* in_bits) const;
};

// The oracle's format for an implementation type (paired by name: the two share no code).
const oracles::FormatSpec& oracle_format(formats::ElementType t);

// in_bits: 32 fp32 bit patterns. With bf16, the implementation is fed the top 16 bits (the values
// must be bf16-exact) through its bf16 path.
BlockCastComparison compare_block_cast(formats::ElementType t, formats::ScaleRule r,
                                       const uint32_t* in_bits, bool bf16);

}  // namespace mxconf::runner

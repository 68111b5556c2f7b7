// mxconf selfcheck's comparison: CAST_TO_BLOCK_SCALED of the implementation (formats/) against
// the oracle's exact block quantization, bit for bit, one 32-value block at a time. Offers
// compare_block_cast.
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

// in_bits: 32 fp32 bit patterns. With bf16, the implementation is fed the top 16 bits (the values
// must be bf16-exact) through its bf16 path.
BlockCastComparison compare_block_cast(formats::ElementType t, formats::ScaleRule r,
                                       const uint32_t* in_bits, bool bf16);

}  // namespace mxconf::runner

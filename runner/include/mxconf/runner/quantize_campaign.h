// The quantize campaign: `mxconf quantize` (quantize_file.h) checked against the oracle on files
// that reach its every path. Each case is made from (seed, index) alone:
//  - sizes from one block to a few 256 Ki chunks, with tails that are not a multiple of the
//    chunk (and, in elements per row, not of 32 across rows: the last dimension is 32 * odd);
//  - blocks that pick every scale byte's edges: all zero (0x00), amax tiny enough to clamp to
//    2^-127 (0x00), NaN or Inf (0xFF), near 2^127 (0xFE), and ordinary data;
//  - .npy headers of every layout a reader meets: NumPy's 64-byte alignment, version 2.0, and
//    header lengths that leave the data 1, 2 or 3 bytes off a 4-byte boundary.
// The expected codes and scales come from oracles::quantize_block, the dequantized value from
// the oracle's code value times 2^(scale - 127): no formats/ code is on the judging side.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/codec.h"

namespace mxconf::runner {

struct QuantizeCase {
  uint64_t seed = 0, index = 0;
  formats::ElementType dtype = formats::ElementType::fp8e4m3;
  formats::ScaleRule rule = formats::ScaleRule::tosa;
  std::vector<int64_t> shape;
  uint32_t header_version = 1;  // 1 or 2
  size_t data_offset_mod4 = 0;  // where the data starts relative to a 4-byte boundary
  std::vector<float> values;

  std::string name() const;  // quantize_<dtype>_<rule>_<shape>_v<version>_off<mod>_<seed>_<index>
};

QuantizeCase quantize_case_at(uint64_t seed, uint64_t index);

// The .npy bytes of the case's input, in its header layout.
std::vector<uint8_t> quantize_input_bytes(const QuantizeCase& c);

// Writes the input under `dir`, runs quantize_file and compares its three outputs with the
// oracle. Returns "" when every byte agrees, else what differs first (or what failed).
std::string check_quantize_case(const QuantizeCase& c, const std::filesystem::path& dir);

}  // namespace mxconf::runner

// RESHAPE_BLOCK_SCALED and ROW_GATHER_BLOCK_SCALED written straight from the spec's pseudocode
// (RESHAPE_BLOCK_SCALED.tosac, ROW_GATHER_BLOCK_SCALED.tosac at cd5acdd), element by element,
// sharing nothing with the interpreter. Both only move elements, so one function serves values
// (one code per element) and scales (one E8M0 byte per block) alike: call it once per list
// element. Both throw std::invalid_argument where the spec's ERROR_IF or REQUIRE would fire.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace mxconf::oracles {

// for_each_data_position(index in out_shape): offset = tensor_index_to_offset(out_shape, index);
// output[index] = input[tensor_offset_to_index(in_shape, offset)].
std::vector<uint8_t> reference_reshape(std::span<const uint8_t> in,
                                       const std::vector<int64_t>& in_shape,
                                       const std::vector<int64_t>& out_shape);

// values [N,K,C] (C: data channels, or C/block_size for the scale element), indices [N,W]:
// output[n, w*row_count + r, c] = values[n, k + r, c] with k = indices[n, w], for r < row_count.
// REQUIRE(0 <= k && (k+row_count) <= K) and ERROR_IF(row_count < 1) throw.
std::vector<uint8_t> reference_row_gather(std::span<const uint8_t> values, int64_t n, int64_t k,
                                          int64_t c, std::span<const int64_t> indices, int64_t w,
                                          int64_t row_count);

}  // namespace mxconf::oracles

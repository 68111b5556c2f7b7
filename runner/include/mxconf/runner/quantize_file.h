// `mxconf quantize` as a library call: block-cast a float32 .npy to an MX format and write the
// dequantized values (and optionally the codes and E8M0 scales) as .npy files, all or nothing.
// The CLI and the oracle-checked quantize campaign (quantize_campaign.h) run this same code.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/codec.h"

namespace mxconf::runner {

struct QuantizeRequest {
  formats::ElementType dtype = formats::ElementType::fp8e4m3;
  formats::ScaleRule rule = formats::kDefaultCastRule;
  std::string input;    // float32 .npy, rank >= 1, last dimension a multiple of 32
  std::string dequant;  // required
  std::string codes;    // optional: one uint8 code per element
  std::string scales;   // optional: uint8 E8M0 bytes, last dimension / 32
};

// The request names something quantize cannot do (bad dtype, shape, repeated paths).
struct QuantizeInputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct QuantizeSummary {
  size_t values = 0;
  size_t blocks = 0;
};

// Elements are cast in chunks of kQuantizeChunk (so no whole-array buffer exists), each chunk by
// one thread; the files do not depend on the thread count.
inline constexpr size_t kQuantizeChunk = size_t{1} << 18;

// Throws QuantizeInputError for a bad request, io::NpyError for a bad input file, and
// std::runtime_error when an output cannot be written (then nothing is left behind).
QuantizeSummary quantize_file(const QuantizeRequest& r);

}  // namespace mxconf::runner

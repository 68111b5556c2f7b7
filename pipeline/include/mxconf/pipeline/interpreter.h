// The reference interpreter: executes a verified, validated graph. Its MATMUL_T_BLOCK_SCALED is
// bit-exact with the spec's fp32 pseudocode order (and with oracles::pseudocode_matmul_t).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/tensor_buffer.h"

namespace mxconf::pipeline {

// A runtime tensor. Exactly one payload vector is used, by dtype: f32 (FP32), bf16 (BF16 bits),
// codes (MX payload codes unpacked one per element, or FP8UE8M0 bytes), ints (SHAPE, INT64 and
// INT32, widened: ROW_GATHER's indices and row_count).
struct Value {
  DType dtype = DType::unknown;
  std::vector<int64_t> shape;
  // Shared, immutable storage (tensor_buffer.h): copying a Value copies no elements.
  Buffer<float> f32;
  Buffer<uint16_t> bf16;
  Buffer<uint8_t> codes;
  std::vector<int64_t> ints;

  int64_t element_count() const;
  static Value from_f32(std::vector<int64_t> shape, Buffer<float> v);
  static Value from_bf16(std::vector<int64_t> shape, Buffer<uint16_t> v);
};

struct InterpreterOptions {
  formats::ScaleRule cast_rule = formats::ScaleRule::tosa;  // CAST_TO_BLOCK_SCALED's rule
  uint64_t max_elements = uint64_t{1} << 28;                // per tensor, guards memory
  // When set, receives every tensor's value (intermediates too), for judges that look inside.
  std::map<std::string, Value>* intermediates = nullptr;
};

class InterpretError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs the graph. `inputs` must hold every graph input with its declared dtype and shape.
// Returns the graph outputs by name. Throws InterpretError naming the op or input at fault.
std::map<std::string, Value> run_graph(const Graph& g, const std::map<std::string, Value>& inputs,
                                       const InterpreterOptions& options = {});

// The kernel on its own: A [N,H,C] codes with scales [N,H,C/32], B [D,W,C] with [D,W,C/32];
// writes fp32 [N,H,W].
void matmul_t_block_scaled(formats::ElementType t, int64_t n, int64_t h, int64_t w, int64_t c,
                           int64_t d, const uint8_t* a_codes, const uint8_t* a_scales,
                           const uint8_t* b_codes, const uint8_t* b_scales, float* out);

// CONV2D_BLOCK_SCALED's geometry (conv2d-block-scaled.md): input [N, IH, IW, IC] (NHWC), weights
// [OC, KH, KW, IC] (OHWI), pad = [top, bottom, left, right], stride and dilation [y, x].
struct Conv2dShape {
  int64_t n = 1, ih = 1, iw = 1, ic = 32, oc = 1, kh = 1, kw = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t stride_y = 1, stride_x = 1, dilation_y = 1, dilation_x = 1;
  // OH and OW by the spec's formula; nullopt unless the division is exact and the result >= 1
  // (the op's ERROR_IFs), or a pad, stride or dilation is out of range.
  std::optional<int64_t> oh() const;
  std::optional<int64_t> ow() const;
};

// The kernel on its own: input codes with scales [N, IH, IW, IC/32], weights with scales
// [OC, KH, KW, IC/32], bias [bias_count] with bias_count OC or 1; writes fp32 [N, OH, OW, OC].
// The spec's order: taps outer, blocks inner, each block sum scaled by (sA * sB) before it joins
// the accumulator, bias last. A padded tap reads code 0 (+0) with input scale 1.0 and still
// multiplies, so an Inf or NaN weight there gives NaN (the "extra multiplies" reading, the
// choice documented in docs/formats.md). Throws std::invalid_argument on a shape the op forbids.
void conv2d_block_scaled(formats::ElementType t, const Conv2dShape& s, const uint8_t* in_codes,
                         const uint8_t* in_scales, const uint8_t* w_codes, const uint8_t* w_scales,
                         const float* bias, int64_t bias_count, float* out);

}  // namespace mxconf::pipeline

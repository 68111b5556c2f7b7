// The reference interpreter: executes a verified, validated graph. Its MATMUL_T_BLOCK_SCALED is
// bit-exact with the spec's fp32 pseudocode order (and with oracles::pseudocode_matmul_t).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/tensor_buffer.h"

namespace mxconf::pipeline {

// A runtime tensor. Exactly one payload vector is used, by dtype: f32 (FP32), bf16 (BF16 bits),
// codes (MX payload codes unpacked one per element, or FP8UE8M0 bytes), ints (SHAPE/INT64).
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

}  // namespace mxconf::pipeline

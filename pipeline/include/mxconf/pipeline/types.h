// TOSA data types and operator kinds, with their serialized (tosa.fbs) numeric values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mxconf/formats/element_type.h"

namespace mxconf::pipeline {

enum class DType : uint32_t {
  unknown = 0,
  boolean = 1,
  int4 = 2,
  int8 = 3,
  int16 = 4,
  int32 = 5,
  int48 = 6,
  fp32 = 7,
  fp16 = 8,
  bf16 = 9,
  shape = 10,
  fp8e4m3 = 11,
  fp8e5m2 = 12,
  fp6e2m3 = 13,
  fp6e3m2 = 14,
  fp4e2m1 = 15,
  fp8ue8m0 = 16,
  int64 = 17,
  mxint8 = 18,
};
inline constexpr uint32_t kMaxDTypeValue = 18;

std::string_view name(DType t);
std::optional<DType> parse_dtype(std::string_view s);
bool is_mx_payload(DType t);
std::optional<formats::ElementType> element_type(DType t);
DType dtype_of(formats::ElementType t);
// Bytes of constant data for `count` elements (packed for fp4/fp6); nullopt if not storable.
std::optional<uint64_t> data_size(DType t, uint64_t count);

// TOSA operator kinds. Values below 1000 are the tosa.fbs Op values; the two importer-level
// kinds exist only before lowering and never reach a .tosa file: a model layer of any operator
// (its geometry is an attribute; layer_ops.h), before and after QuantizeWeights.
enum class OpKind : uint32_t {
  unknown = 0,
  matmul = 7,
  add = 15,
  reshape = 57,
  transpose = 61,
  cast = 65,
  const_tensor = 67,
  const_shape = 75,
  matmul_t_block_scaled = 76,
  cast_from_block_scaled = 77,
  cast_to_block_scaled = 78,
  conv2d_block_scaled = 94,
  reshape_block_scaled = 97,     // tosa-tools 2026.8.0's Op value
  row_gather_block_scaled = 98,  // tosa-tools 2026.8.0's Op value
  layer = 1000,                  // importer: x, fp32 weights in their logical shape (, bias)
  mx_layer = 1001,  // after QuantizeWeights: x, MX payload + E8M0 weight constants (, bias)
};
inline constexpr uint32_t kMaxTosaOpValue = 98;

std::string_view name(OpKind op);  // TOSA spelling, e.g. "MATMUL_T_BLOCK_SCALED"
bool is_tosa_op(OpKind op);

}  // namespace mxconf::pipeline

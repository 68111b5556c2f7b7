// TOSA validation for the target TOSA-1.1+FP+mxfp (or the split names EXT-MX-COMMON +
// EXT-MX-<payload>): every ERROR_IF and type-support rule of the ops mxconf emits, and extension
// gating of MX payloads, FP8UE8M0 scales and bf16 tensors.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/pipeline/graph.h"

namespace mxconf::pipeline {

struct Target {
  std::string text = "TOSA-1.1+FP+mxfp";
  bool fp = true;         // profile FP (PRO-FP)
  bool mx_common = true;  // EXT-MX-COMMON: E8M0 scales, block size 32
  std::set<DType> mx_elements = {DType::fp8e4m3, DType::fp8e5m2, DType::fp6e2m3,
                                 DType::fp6e3m2, DType::fp4e2m1, DType::mxint8};
  bool bf16 = false;  // EXT-BF16
  // EXT-MXFP-CONV (MLIR: mxfp_conv): CONV2D_BLOCK_SCALED. Not part of "mxfp": the conv op had its
  // own extension in the 1.1 draft (tosa-mx-spec.md, extension history).
  bool mx_conv = false;
  // The extension names as the text gives them, in order (e.g. "mxfp", "bf16"): everything but
  // the version and the profiles.
  std::vector<std::string> extensions = {"mxfp"};
  bool operator==(const Target&) const = default;

  // "TOSA-1.1+FP+mxfp", "TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP8E4M3+bf16", ... Throws
  // std::invalid_argument naming the bad token.
  static Target parse(std::string_view text);
};

enum class ValidationCode {
  unsupported_op,         // not a TOSA op mxconf validates (or an importer-level op)
  profile_missing,        // floating-point ops without the FP profile
  rank_zero,              // ERROR_IF(rank == 0)
  rank_not_3,             // MATMUL_T_BLOCK_SCALED / MATMUL / ROW_GATHER_* operands: rank 3
  block_size,             // block_size != 32
  block_misaligned,       // ERROR_IF(shape[-1] % block_size != 0)
  scale_shape,            // scale shape != data shape[:-1] + [C/32]
  payload_mismatch,       // A and B payload dtypes differ
  contraction_mismatch,   // A's C != B's C
  batch_broadcast,        // ERROR_IF(D != N && D != 1)
  input_dtype,            // e.g. CAST_TO_BLOCK_SCALED input not fp32/bf16
  output_dtype,           // e.g. MATMUL_T_BLOCK_SCALED output not fp32
  scale_dtype,            // a scale tensor that is not FP8UE8M0
  output_shape,           // the output shape disagrees with the op's shape rule
  add_rank,               // ADD operands of different rank
  add_broadcast,          // ADD dims neither equal nor 1
  reshape_element_count,  // RESHAPE changes the element count
  reshape_shape_operand,  // RESHAPE's shape is not a CONST_SHAPE result / has bad values
  transpose_permutation,  // perms is not a permutation of the rank
  cast_types,             // a CAST type pair outside fp32 <-> bf16
  zero_point,             // MATMUL zero points not rank-1 constant zeros
  extension_mx_payload,   // FP8/FP6/FP4 payload tensors without EXT-MX-COMMON + EXT-MX-<elem>
  extension_e8m0,         // FP8UE8M0 tensors without EXT-MX-COMMON
  extension_bf16,         // bf16 tensors without EXT-BF16
  // CONV2D_BLOCK_SCALED (conv2d-block-scaled.md):
  conv_rank,           // a tensor operand of the wrong rank or a shape operand of the wrong length
  conv_shape_operand,  // pad / stride / dilation not a SHAPE tensor produced by CONST_SHAPE
  conv_pad,            // ERROR_IF(pad_top < 0 || pad_bottom < 0 || pad_left < 0 || ...)
  conv_stride,         // ERROR_IF(stride_y < 1 || stride_x < 1)
  conv_dilation,       // ERROR_IF(dilation_y < 1 || dilation_x < 1)
  conv_output_size,    // OH / OW differ from the idiv_check'd formula (or it is not exact)
  conv_bias_shape,     // ERROR_IF(BC != OC && BC != 1)
  level_kernel,        // dilation * (kernel - 1) + 1 > MAX_KERNEL (8192, level 8K)
  level_pad,           // pad > MAX_KERNEL
  level_stride,        // stride > MAX_STRIDE (8192)
  extension_mx_conv,   // CONV2D_BLOCK_SCALED without EXT-MXFP-CONV
  // RESHAPE_BLOCK_SCALED / ROW_GATHER_BLOCK_SCALED (validation/block_scaled_data.cpp):
  tensor_list,     // ERROR_IF(input_len != 1 && input_len != 2) or output_len != input_len
  gather_operand,  // row_count not a CONST [1] INT32 >= 1, or indices not [N,W]
  // Valid TOSA that mxconf does not implement (like unsupported_op: never a verdict on the graph)
  unsupported_type,
};

std::string_view name(ValidationCode c);

struct ValidationIssue {
  ValidationCode code;
  int64_t op_index = -1;  // -1 for tensor-level (extension) issues
  std::string op;         // op name, e.g. "MATMUL_T_BLOCK_SCALED"
  std::string operand;    // e.g. "A_scale 'layer0.xs'"
  std::string message;    // op, operand and the broken rule
};

std::vector<ValidationIssue> validate_tosa(const Graph& g, const Target& target);

}  // namespace mxconf::pipeline

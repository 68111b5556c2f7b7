// RESHAPE_BLOCK_SCALED and ROW_GATHER_BLOCK_SCALED: data movement over a tensor list, values with
// an optional scale tensor (tosa.xml at cd5acdd, l.3035-3100 and l.3516-3600; pseudocode
// RESHAPE_BLOCK_SCALED.tosac, ROW_GATHER_BLOCK_SCALED.tosac). The spec at that revision heads
// both "deprecated, removed in 1.1" (chapters/data_layout.adoc l.59, scatter_gather.adoc l.47):
// RESHAPE and ROW_GATHER take MX tensors instead. tosa-tools 2026.8.0 still serializes and tests
// them (Op 97 and 98), so mxconf implements them as that release writes them.
//
// The list is the leading operands: [values (, scales)] then RESHAPE's new_shape, or
// ROW_GATHER's indices and row_count. Its length is the operand count minus those.
#include <cstring>

#include "check.h"

namespace mxconf::pipeline::validation {
namespace {

// The list length: operands that are not the op's trailing fixed operands.
size_t list_len(const Check& c) {
  const size_t fixed = c.op().op == OpKind::reshape_block_scaled ? 1 : 2;
  return c.op().inputs.size() > fixed ? c.op().inputs.size() - fixed : 0;
}
bool block_scaled(const Check& c) {
  return list_len(c) == 2;
}
const Tensor* fixed_operand(const Check& c, size_t i) {
  return c.in(list_len(c) + i);
}

// ERROR_IF(input_len != 1 && input_len != 2); ERROR_IF(output_len != input_len)
bool list_lengths(Check& c) {
  const size_t n = list_len(c), m = c.op().outputs.size();
  if (n != 1 && n != 2) {
    c.issue(ValidationCode::tensor_list, "input list",
            "ERROR_IF(input_len != 1 && input_len != 2): input_len is " + std::to_string(n));
    return false;
  }
  if (m != n) {
    c.issue(ValidationCode::tensor_list, "output list",
            "ERROR_IF(output_len != input_len): " + std::to_string(m) + " != " + std::to_string(n));
    return false;
  }
  for (size_t i = 0; i < c.op().inputs.size(); ++i) {
    if (!c.in(i)) return false;
  }
  for (size_t i = 0; i < m; ++i) {
    if (!c.out(i)) return false;
  }
  return true;
}

// ERROR_IF((len == 1) && (block_size != 1)); ERROR_IF((len == 2) && (block_size == 1)), and
// block_size_t holds only BLOCK_SIZE_32 and BLOCK_SIZE_1.
bool list_block_size(Check& c) {
  const uint32_t bs = c.op().attrs.block_size;
  if (!block_scaled(c) && bs != 1) {
    c.issue(ValidationCode::block_size, "attribute block_size",
            "ERROR_IF((input_len == 1) && (block_size != 1)): block_size is " + std::to_string(bs));
    return false;
  }
  if (block_scaled(c) && bs != 32) {
    c.issue(ValidationCode::block_size, "attribute block_size",
            std::to_string(bs) + (bs == 1 ? ": ERROR_IF((input_len == 2) && (block_size == 1))"
                                          : " is not BLOCK_SIZE_32"));
    return false;
  }
  return true;
}

// Type support: values in an MX payload type with FP8UE8M0 scales, or, without scales, a type
// the interpreter carries (FP32, BF16). The spec's other one-element types (bool, integers, fp16,
// fp8 alone) are valid TOSA that mxconf does not implement: unsupported, never "invalid".
bool list_types(Check& c) {
  const Tensor& v = *c.in(0);
  if (block_scaled(c)) {
    if (!mx_payload(c, ValidationCode::input_dtype, "values", v)) return false;
    if (c.in(1)->dtype != DType::fp8ue8m0) {
      c.issue(ValidationCode::scale_dtype, Check::operand("scales", *c.in(1)),
              std::string(name(c.in(1)->dtype)) + " is not FP8UE8M0");
      return false;
    }
  } else if (v.dtype != DType::fp32 && v.dtype != DType::bf16) {
    c.issue(ValidationCode::unsupported_type, Check::operand("values", v),
            "the one-element list of " + std::string(name(v.dtype)) +
                " is valid TOSA that mxconf does not implement (FP32 and BF16 only)");
    return false;
  }
  for (size_t i = 0; i < list_len(c); ++i) {
    if (c.out(i)->dtype != c.in(i)->dtype) {
      c.issue(ValidationCode::output_dtype,
              Check::operand(i == 0 ? "output" : "output_scale", *c.out(i)),
              std::string(name(c.out(i)->dtype)) + " differs from the input's " +
                  std::string(name(c.in(i)->dtype)));
      return false;
    }
  }
  return true;
}

int64_t product(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// RESHAPE_BLOCK_SCALED's shape rules, as its pseudocode orders them.
bool reshape_shapes(Check& c) {
  const Tensor& s = *fixed_operand(c, 0);
  if (!c.produced_by_const_shape(s)) {
    c.issue(ValidationCode::reshape_shape_operand, Check::operand("new_value_shape", s),
            "must be a SHAPE tensor produced by CONST_SHAPE");
    return false;
  }
  const std::vector<int64_t> new_value_shape = shape_values(s);
  int64_t count = 1;
  for (int64_t d : new_value_shape) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count)) {
      c.issue(ValidationCode::reshape_shape_operand, Check::operand("new_value_shape", s),
              shape_string(new_value_shape) + " is not a shape (a negative dimension or overflow)");
      return false;
    }
  }
  const Tensor &v = *c.in(0), &y = *c.out(0);
  if (count != v.element_count()) {
    c.issue(ValidationCode::reshape_element_count, Check::operand("input", v),
            "ERROR_IF(tensor_size(value_shape1) != tensor_size(new_value_shape)): " +
                std::to_string(v.element_count()) + " != " + std::to_string(count));
    return false;
  }
  if (y.shape != new_value_shape) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "shape " + shape_string(y.shape) + " differs from new_value_shape " +
                shape_string(new_value_shape));
  }
  if (!block_scaled(c)) return true;
  const Tensor &sc = *c.in(1), &ys = *c.out(1);
  if (v.shape.empty() || new_value_shape.empty()) {
    c.issue(ValidationCode::rank_zero, Check::operand("input", v),
            "ERROR_IF(rank(value_shape1) == 0 || rank(new_value_shape) == 0)");
    return false;
  }
  if (v.shape.size() != sc.shape.size()) {
    c.issue(ValidationCode::scale_shape, Check::operand("input_scale", sc),
            "ERROR_IF(rank(value_shape1) != rank(scale_shape1)): " +
                std::to_string(v.shape.size()) + " != " + std::to_string(sc.shape.size()));
    return false;
  }
  if (v.shape.back() % 32 != 0 || new_value_shape.back() % 32 != 0) {
    c.issue(ValidationCode::block_misaligned, Check::operand("input", v),
            "ERROR_IF((value_shape1[-1] % block_size) != 0) or the same of new_value_shape: " +
                shape_string(v.shape) + " -> " + shape_string(new_value_shape));
    return false;
  }
  if (sc.shape.back() != v.shape.back() / 32) {
    c.issue(ValidationCode::scale_shape, Check::operand("input_scale", sc),
            "ERROR_IF(scale_shape1[-1] != (value_shape1[-1] / block_size)): " +
                std::to_string(sc.shape.back()) + " != " + std::to_string(v.shape.back() / 32));
    return false;
  }
  // The spec bounds the scale shape by its last dimension and its count only (its reads go by
  // flat offset), so a scale [3,2,2] of values [2,3,64] passes; mxconf follows the spec's text.
  std::vector<int64_t> new_scale_shape = new_value_shape;
  new_scale_shape.back() /= 32;
  if (product(sc.shape) != product(new_scale_shape)) {
    c.issue(ValidationCode::scale_shape, Check::operand("input_scale", sc),
            "ERROR_IF(tensor_size(scale_shape1) != tensor_size(new_scale_shape))");
    return false;
  }
  if (ys.shape != new_scale_shape) {
    c.issue(ValidationCode::scale_shape, Check::operand("output_scale", ys),
            "shape " + shape_string(ys.shape) + " must be new_scale_shape " +
                shape_string(new_scale_shape));
  }
  return true;
}

// row_count: a constant [1] INT32 (a compile-time constant in PRO-FP), its value.
std::optional<int32_t> row_count_value(Check& c, const Tensor& r) {
  if (r.dtype != DType::int32 || r.shape != std::vector<int64_t>{1} ||
      !c.produced_by(r, OpKind::const_tensor) || r.data->size() != 4) {
    c.issue(ValidationCode::gather_operand, Check::operand("row_count", r),
            "must be a CONST INT32 tensor of shape [1] (a compile-time constant), is " +
                std::string(name(r.dtype)) + shape_string(r.shape));
    return std::nullopt;
  }
  int32_t v;
  std::memcpy(&v, r.data->data(), 4);
  return v;
}

// ROW_GATHER_BLOCK_SCALED's rules: values [N,K,C] (, scales [N,K,C/block_size]), indices [N,W],
// ERROR_IF(C % block_size != 0), ERROR_IF(row_count < 1), outputs [N,W*row_count,C(/bs)].
bool row_gather_shapes(Check& c) {
  const Tensor &v = *c.in(0), &idx = *fixed_operand(c, 0), &y = *c.out(0);
  if (v.shape.size() != 3 || idx.shape.size() != 2 || y.shape.size() != 3) {
    c.issue(ValidationCode::rank_not_3, Check::operand("values", v),
            "values and output must be rank 3 [N,K,C] and indices rank 2 [N,W]: " +
                shape_string(v.shape) + ", " + shape_string(idx.shape) + ", " +
                shape_string(y.shape));
    return false;
  }
  if (idx.dtype != DType::int32 && idx.dtype != DType::int64) {
    c.issue(ValidationCode::input_dtype, Check::operand("indices", idx),
            std::string(name(idx.dtype)) + " is not INT32 or INT64");
    return false;
  }
  const auto row_count = row_count_value(c, *fixed_operand(c, 1));
  if (!row_count) return false;
  if (*row_count < 1) {
    c.issue(ValidationCode::gather_operand, Check::operand("row_count", *fixed_operand(c, 1)),
            "ERROR_IF(row_count < 1): row_count is " + std::to_string(*row_count));
    return false;
  }
  const int64_t n = v.shape[0], k = v.shape[1], ch = v.shape[2], bs = c.op().attrs.block_size;
  if (ch % bs != 0) {
    c.issue(ValidationCode::block_misaligned, Check::operand("values", v),
            "ERROR_IF(C % block_size != 0): C is " + std::to_string(ch));
    return false;
  }
  if (idx.shape[0] != n) {
    c.issue(ValidationCode::gather_operand, Check::operand("indices", idx),
            "shape " + shape_string(idx.shape) + " must be [N,W] with N = " + std::to_string(n));
    return false;
  }
  const int64_t rows = idx.shape[1] * *row_count;
  if (y.shape != std::vector<int64_t>{n, rows, ch}) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "shape " + shape_string(y.shape) + " must be [N,W*row_count,C] " +
                shape_string({n, rows, ch}));
  }
  if (block_scaled(c)) {
    expect_scale_shape(c, "values_scale", *c.in(1), {n, k, ch / 32});
    expect_scale_shape(c, "output_scale", *c.out(1), {n, rows, ch / 32});
  }
  return true;
}

}  // namespace

const std::vector<Checker>& reshape_block_scaled_checks() {
  static const std::vector<Checker> k = {list_lengths, list_block_size, list_types, reshape_shapes};
  return k;
}

const std::vector<Checker>& row_gather_block_scaled_checks() {
  static const std::vector<Checker> k = {list_lengths, list_block_size, list_types,
                                         row_gather_shapes};
  return k;
}

}  // namespace mxconf::pipeline::validation

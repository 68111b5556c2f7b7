// CAST_TO_BLOCK_SCALED and CAST_FROM_BLOCK_SCALED (tosa-mx-spec.md §3.1, §3.2).
#include "check.h"

namespace mxconf::pipeline::validation {
namespace {

// The data operand the blocks run along: operand 0 of either cast.
const Tensor* data(Check& c) {
  return c.in(0);
}

bool operands_present(Check& c) {
  return c.in(0) && c.out(0) &&
         (c.op().op == OpKind::cast_to_block_scaled ? c.out(1) != nullptr : c.in(1) != nullptr);
}

bool to_types(Check& c) {
  const Tensor &x = *c.in(0), &q = *c.out(0);
  if (x.dtype != DType::fp32 && x.dtype != DType::bf16) {
    c.issue(ValidationCode::input_dtype, Check::operand("input_data", x),
            std::string(name(x.dtype)) + " is not FP32 or BF16");
  }
  mx_payload(c, ValidationCode::output_dtype, "output_data", q);
  return true;
}

bool from_types(Check& c) {
  const Tensor &q = *c.in(0), &y = *c.out(0);
  mx_payload(c, ValidationCode::input_dtype, "input_data", q);
  if (y.dtype != DType::fp32 && y.dtype != DType::bf16) {
    c.issue(ValidationCode::output_dtype, Check::operand("output_data", y),
            std::string(name(y.dtype)) + " is not FP32 or BF16");
  }
  return true;
}

// ERROR_IF(rank == 0)
bool rank_not_zero(Check& c) {
  if (!data(c)->shape.empty()) return true;
  c.issue(ValidationCode::rank_zero, Check::operand("input_data", *data(c)), "ERROR_IF(rank == 0)");
  return false;
}

// ERROR_IF(shape[rank - 1] % block_size != 0)
bool last_dim_aligned(Check& c) {
  const Tensor& x = *data(c);
  if (x.shape.back() % 32 == 0) return true;
  c.issue(
      ValidationCode::block_misaligned, Check::operand("input_data", x),
      "last dimension " + std::to_string(x.shape.back()) + " is not a multiple of block_size 32");
  return false;
}

std::vector<int64_t> scale_shape_of(const Tensor& x) {
  std::vector<int64_t> s = x.shape;
  s.back() /= 32;
  return s;
}

bool to_shapes(Check& c) {
  const Tensor &x = *c.in(0), &q = *c.out(0);
  if (q.shape != x.shape) {
    c.issue(ValidationCode::output_shape, Check::operand("output_data", q),
            "shape " + shape_string(q.shape) + " must equal the input's " + shape_string(x.shape));
  }
  expect_scale_shape(c, "output_scale", *c.out(1), scale_shape_of(x));
  return true;
}

bool from_shapes(Check& c) {
  const Tensor &q = *c.in(0), &y = *c.out(0);
  expect_scale_shape(c, "input_scale", *c.in(1), scale_shape_of(q));
  if (y.shape != q.shape) {
    c.issue(ValidationCode::output_shape, Check::operand("output_data", y),
            "shape " + shape_string(y.shape) + " must equal " + shape_string(q.shape));
  }
  return true;
}

}  // namespace

const std::vector<Checker>& cast_to_block_scaled_checks() {
  static const std::vector<Checker> k = {operands_present, to_types,         block_size_is_32,
                                         rank_not_zero,    last_dim_aligned, to_shapes};
  return k;
}

const std::vector<Checker>& cast_from_block_scaled_checks() {
  static const std::vector<Checker> k = {operands_present, from_types,       block_size_is_32,
                                         rank_not_zero,    last_dim_aligned, from_shapes};
  return k;
}

}  // namespace mxconf::pipeline::validation

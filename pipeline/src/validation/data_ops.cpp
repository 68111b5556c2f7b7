// The operators around the block-scaled ones: RESHAPE, TRANSPOSE, ADD, CAST and MATMUL
// (tosa-mx-spec.md §4), as mxconf's lowering and the systems it judges use them.
#include <algorithm>
#include <utility>

#include "check.h"

namespace mxconf::pipeline::validation {
namespace {

bool two_in_one_out(Check& c) {
  return c.in(0) && c.in(1) && c.out(0);
}
bool one_in_one_out(Check& c) {
  return c.in(0) && c.out(0);
}

// RESHAPE's shape operand is a SHAPE tensor from CONST_SHAPE, and the output has its shape.
bool reshape_shape_operand(Check& c) {
  const Tensor &s = *c.in(1), &y = *c.out(0);
  if (!c.produced_by_const_shape(s)) {
    c.issue(ValidationCode::reshape_shape_operand, Check::operand("shape", s),
            "must be a SHAPE tensor produced by CONST_SHAPE");
    return false;
  }
  const std::vector<int64_t> target = shape_values(s);
  if (target != y.shape) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "shape " + shape_string(y.shape) + " differs from the shape operand " +
                shape_string(target));
  }
  return true;
}

// ERROR_IF(tensor_size(shape1) != tensor_size(shape)), with every target dim >= 0.
bool reshape_element_count(Check& c) {
  const Tensor &x = *c.in(0), &s = *c.in(1);
  const std::vector<int64_t> target = shape_values(s);
  int64_t count = 1;
  for (int64_t d : target) {
    if (d < 0) {
      c.issue(ValidationCode::reshape_shape_operand, Check::operand("shape", s),
              "holds a negative dimension");
      return false;
    }
    // The values are constant data, not declared dims, so no load limit bounds their product.
    if (__builtin_mul_overflow(count, d, &count)) {
      c.issue(ValidationCode::reshape_element_count, Check::operand("shape", s),
              "the element count of " + shape_string(target) + " overflows int64");
      return false;
    }
  }
  if (count != x.element_count()) {
    c.issue(ValidationCode::reshape_element_count, Check::operand("input1", x),
            std::to_string(x.element_count()) + " elements cannot become " + shape_string(target));
  }
  return true;
}

bool same_dtype(Check& c) {
  if (c.in(0)->dtype != c.out(0)->dtype) {
    c.issue(ValidationCode::output_dtype, Check::operand("output", *c.out(0)),
            "dtype differs from input1");
  }
  return true;
}

// perms is a permutation of 0..rank-1, and the output shape follows it.
bool transpose_perms(Check& c) {
  const Tensor &x = *c.in(0), &y = *c.out(0);
  const auto& p = c.op().attrs.perms;
  std::vector<int32_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  bool perm = p.size() == x.shape.size();
  for (size_t i = 0; perm && i < sorted.size(); ++i) perm = sorted[i] == int32_t(i);
  if (!perm) {
    c.issue(ValidationCode::transpose_permutation, "attribute perms",
            "is not a permutation of 0.." + std::to_string(int(x.shape.size()) - 1));
    return false;
  }
  std::vector<int64_t> want(p.size());
  for (size_t i = 0; i < p.size(); ++i) want[i] = x.shape[size_t(p[i])];
  if (y.shape != want) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "shape " + shape_string(y.shape) + " must be " + shape_string(want));
  }
  return true;
}

bool add_types(Check& c) {
  const Tensor &a = *c.in(0), &b = *c.in(1), &y = *c.out(0);
  if (a.dtype != b.dtype || a.dtype != y.dtype ||
      (a.dtype != DType::fp32 && a.dtype != DType::bf16)) {
    c.issue(ValidationCode::input_dtype, Check::operand("input2", b),
            "ADD needs equal FP32 (or BF16) operands");
  }
  return true;
}

// ERROR_IF(rank(shape1) != rank(shape2)), then each dim equal or 1, the output the broadcast.
bool add_broadcast(Check& c) {
  const Tensor &a = *c.in(0), &b = *c.in(1), &y = *c.out(0);
  if (a.shape.size() != b.shape.size()) {
    c.issue(ValidationCode::add_rank, Check::operand("input2", b),
            "rank " + std::to_string(b.shape.size()) + " differs from input1's rank " +
                std::to_string(a.shape.size()) + " (ranks must be equal)");
    return false;
  }
  std::vector<int64_t> want(a.shape.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const int64_t x = a.shape[i], z = b.shape[i];
    if (x != z && x != 1 && z != 1) {
      c.issue(ValidationCode::add_broadcast, Check::operand("input2", b),
              "dimension " + std::to_string(i) + " is " + std::to_string(z) + " vs " +
                  std::to_string(x) + ": neither equal nor 1");
      return false;
    }
    want[i] = std::max(x, z);
  }
  if (y.shape != want) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "shape " + shape_string(y.shape) + " must be " + shape_string(want));
  }
  return true;
}

// The CAST pairs mxconf implements: FP32 <-> BF16, shape kept.
bool cast_pair(Check& c) {
  const Tensor &x = *c.in(0), &y = *c.out(0);
  const bool ok = (x.dtype == DType::fp32 && y.dtype == DType::bf16) ||
                  (x.dtype == DType::bf16 && y.dtype == DType::fp32);
  if (!ok) {
    c.issue(ValidationCode::cast_types, Check::operand("input", x),
            std::string(name(x.dtype)) + " -> " + std::string(name(y.dtype)) +
                " is not a CAST pair mxconf supports (FP32 <-> BF16)");
  }
  if (x.shape != y.shape) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y), "shape differs from input");
  }
  return true;
}

bool matmul_operands(Check& c) {
  return c.in(0) && c.in(1) && c.in(2) && c.in(3) && c.out(0);
}

bool matmul_ranks(Check& c) {
  if (c.in(0)->shape.size() == 3 && c.in(1)->shape.size() == 3) return true;
  c.issue(ValidationCode::rank_not_3, Check::operand("A", *c.in(0)), "A and B must be rank 3");
  return false;
}

bool matmul_types(Check& c) {
  for (auto [role, t] : {std::pair{"A", c.in(0)}, {"B", c.in(1)}}) {
    if (t->dtype != DType::fp32)
      c.issue(ValidationCode::input_dtype, Check::operand(role, *t), "MATMUL here is FP32 only");
  }
  for (auto [role, z] : {std::pair{"A_zp", c.in(2)}, {"B_zp", c.in(3)}}) {
    const bool zero =
        z->data && z->shape == std::vector<int64_t>{1} &&
        std::all_of(z->data->begin(), z->data->end(), [](uint8_t b) { return b == 0; });
    if (!zero)
      c.issue(ValidationCode::zero_point, Check::operand(role, *z), "must be a [1] constant 0");
  }
  return true;
}

// A [N, H, C], B [N, C, W], output FP32 [N, H, W].
bool matmul_shapes(Check& c) {
  const Tensor &a = *c.in(0), &b = *c.in(1), &y = *c.out(0);
  if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
    c.issue(ValidationCode::contraction_mismatch, Check::operand("B", b),
            "B " + shape_string(b.shape) + " does not fit A " + shape_string(a.shape));
    return false;
  }
  const std::vector<int64_t> want = {a.shape[0], a.shape[1], b.shape[2]};
  if (y.shape != want || y.dtype != DType::fp32) {
    c.issue(ValidationCode::output_shape, Check::operand("output", y),
            "must be FP32 " + shape_string(want));
  }
  return true;
}

}  // namespace

const std::vector<Checker>& reshape_checks() {
  static const std::vector<Checker> k = {two_in_one_out, reshape_shape_operand,
                                         reshape_element_count, same_dtype};
  return k;
}
const std::vector<Checker>& transpose_checks() {
  static const std::vector<Checker> k = {one_in_one_out, transpose_perms};
  return k;
}
const std::vector<Checker>& add_checks() {
  static const std::vector<Checker> k = {two_in_one_out, add_types, add_broadcast};
  return k;
}
const std::vector<Checker>& cast_checks() {
  static const std::vector<Checker> k = {one_in_one_out, cast_pair};
  return k;
}
const std::vector<Checker>& matmul_checks() {
  static const std::vector<Checker> k = {matmul_operands, matmul_ranks, matmul_types,
                                         matmul_shapes};
  return k;
}

}  // namespace mxconf::pipeline::validation

// MATMUL_T_BLOCK_SCALED (tosa-mx-spec.md §3.3): A [N, H, C], B [D, W, C], both with E8M0 scales
// [.., C / 32], output FP32 [N, H, W].
#include <utility>

#include "check.h"
#include "mxconf/faults/faults.h"

namespace mxconf::pipeline::validation {
namespace {

bool operands_present(Check& c) {
  return c.in(0) && c.in(1) && c.in(2) && c.in(3) && c.out(0);
}

// A_t is an MX payload, B_t == A_t (no mixed element types), the output FP32.
bool types(Check& c) {
  const Tensor &a = *c.in(0), &b = *c.in(2), &y = *c.out(0);
  mx_payload(c, ValidationCode::input_dtype, "A_data", a);
  if (a.dtype != b.dtype) {
    c.issue(ValidationCode::payload_mismatch, Check::operand("B_data", b),
            std::string(name(b.dtype)) + " differs from A_data's " + std::string(name(a.dtype)) +
                " (no mixed element types)");
  }
  if (y.dtype != DType::fp32) {
    c.issue(ValidationCode::output_dtype, Check::operand("output_data", y),
            std::string(name(y.dtype)) + " is not FP32");
  }
  return true;
}

// Every operand rank 3: the shape rules below read three dims.
bool ranks_are_3(Check& c) {
  bool ok = true;
  for (auto [role, i] : {std::pair{"A_data", 0}, {"A_scale", 1}, {"B_data", 2}, {"B_scale", 3}}) {
    const Tensor& t = *c.in(size_t(i));
    if (t.shape.size() != 3) {
      c.issue(ValidationCode::rank_not_3, Check::operand(role, t),
              "rank " + std::to_string(t.shape.size()) + " is not 3");
      ok = false;
    }
  }
  return ok;
}

// A's C and B's C agree.
bool contraction(Check& c) {
  const Tensor &a = *c.in(0), &b = *c.in(2);
  if (a.shape[2] != b.shape[2]) {
    c.issue(ValidationCode::contraction_mismatch, Check::operand("B_data", b),
            "C = " + std::to_string(b.shape[2]) +
                " differs from A_data's C = " + std::to_string(a.shape[2]));
  }
  return true;
}

// ERROR_IF(C % block_size != 0)
bool c_aligned(Check& c) {
  const Tensor& a = *c.in(0);
  if (a.shape[2] % 32 == 0) return true;
  c.issue(ValidationCode::block_misaligned, Check::operand("A_data", a),
          "C = " + std::to_string(a.shape[2]) + " is not a multiple of block_size 32");
  return false;
}

// ERROR_IF(D != N && D != 1)
bool batch_broadcast(Check& c) {
  const int64_t N = c.in(0)->shape[0], D = c.in(2)->shape[0];
  // The fault: only D > N is refused (a batch of B smaller than A's, not 1, slips through).
  const bool refused =
      MXCONF_FAULT(batch_broadcast_rule_loosened) ? D != 1 && D > N : D != 1 && D != N;
  if (refused) {
    c.issue(ValidationCode::batch_broadcast, Check::operand("B_data", *c.in(2)),
            "ERROR_IF(D != N && D != 1): D = " + std::to_string(D) + ", N = " + std::to_string(N));
  }
  return true;
}

// A_scale [N, H, C / 32], B_scale [D, W, C / 32], output [N, H, W].
bool shapes(Check& c) {
  const auto &a = c.in(0)->shape, &b = c.in(2)->shape;
  const int64_t N = a[0], H = a[1], C = a[2], D = b[0], W = b[1];
  expect_scale_shape(c, "A_scale", *c.in(1), {N, H, C / 32});
  expect_scale_shape(c, "B_scale", *c.in(3), {D, W, C / 32});
  const Tensor& y = *c.out(0);
  if (y.shape != std::vector<int64_t>{N, H, W}) {
    c.issue(ValidationCode::output_shape, Check::operand("output_data", y),
            "shape " + shape_string(y.shape) + " must be [N,H,W] = " + shape_string({N, H, W}));
  }
  return true;
}

}  // namespace

const std::vector<Checker>& matmul_t_block_scaled_checks() {
  static const std::vector<Checker> k = {operands_present, types,     block_size_is_32, ranks_are_3,
                                         contraction,      c_aligned, batch_broadcast,  shapes};
  return k;
}

}  // namespace mxconf::pipeline::validation

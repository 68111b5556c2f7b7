// Level limits (level 8K: MAX_KERNEL = MAX_STRIDE = 8192), kept apart from the ERROR_IFs: they
// are checked on operators whose checker lists ran to the end (the geometry operands readable and
// in range), and a profile at another level would swap this list, not the operators' rules.
#include <tuple>

#include "check.h"
#include "mxconf/faults/faults.h"

namespace mxconf::pipeline::validation {
namespace {

constexpr int64_t kMaxKernel = 8192, kMaxStride = 8192;

// CONV2D_BLOCK_SCALED: LEVEL_CHECK(dilation_y * KH <= MAX_KERNEL), likewise for x.
bool conv_kernel(Check& c) {
  const Tensor& w = *c.in(2);
  const std::vector<int64_t> d = shape_values(*c.in(7));
  for (auto [k, dil, axis] : {std::tuple{w.shape[1], d[0], "y"}, {w.shape[2], d[1], "x"}}) {
    int64_t extent = 0;  // the spec's level check: the dilation times the kernel
    const bool overflow = __builtin_mul_overflow(dil, k, &extent);
    // The fault: the limit itself refused (>= where the spec says <=).
    const int64_t allowed = MXCONF_FAULT(level_strict_at_limit) ? kMaxKernel - 1 : kMaxKernel;
    if (overflow || extent > allowed) {
      c.issue(ValidationCode::level_kernel, Check::operand("weight_data", w),
              std::string("LEVEL_CHECK(dilation_") + axis + " * K" + (axis[0] == 'y' ? "H" : "W") +
                  " <= MAX_KERNEL = 8192): " + std::to_string(dil) + " * " + std::to_string(k));
    }
  }
  return true;
}

// LEVEL_CHECK(pad <= MAX_KERNEL) for each of the four pads.
bool conv_pad(Check& c) {
  const std::vector<int64_t> p = shape_values(*c.in(5));
  for (int64_t v : p) {
    if (v > kMaxKernel) {
      c.issue(ValidationCode::level_pad, Check::operand("pad", *c.in(5)),
              "LEVEL_CHECK(pad <= MAX_KERNEL = 8192): " + shape_string(p));
      break;
    }
  }
  return true;
}

// LEVEL_CHECK(stride <= MAX_STRIDE) on both axes.
bool conv_stride(Check& c) {
  const std::vector<int64_t> s = shape_values(*c.in(6));
  if (s[0] > kMaxStride || s[1] > kMaxStride) {
    c.issue(ValidationCode::level_stride, Check::operand("stride", *c.in(6)),
            "LEVEL_CHECK(stride <= MAX_STRIDE = 8192): " + shape_string(s));
  }
  return true;
}

}  // namespace

const std::vector<Checker>* level_checks(OpKind op) {
  static const std::vector<Checker> conv = {conv_kernel, conv_pad, conv_stride};
  return op == OpKind::conv2d_block_scaled ? &conv : nullptr;
}

}  // namespace mxconf::pipeline::validation

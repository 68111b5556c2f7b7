#include "check.h"

#include <algorithm>

namespace mxconf::pipeline::validation {

void Check::issue(ValidationCode c, const std::string& operand, const std::string& rule) {
  const std::string msg = name_ + " (op " + std::to_string(index_) + "): " + operand + ": " + rule;
  out_.push_back({c, index_, name_, operand, msg});
}

bool Check::produced_by(const Tensor& t, OpKind k) const {
  return t.data && std::any_of(g_.ops.begin(), g_.ops.end(), [&](const Operator& o) {
           return o.op == k && !o.outputs.empty() && o.outputs[0] == t.name;
         });
}

bool block_size_is_32(Check& c) {
  if (c.op().attrs.block_size != 32) {
    c.issue(ValidationCode::block_size, "attribute block_size",
            std::to_string(c.op().attrs.block_size) + " is not BLOCK_SIZE_32");
  }
  return true;
}

void expect_scale_shape(Check& c, const char* role, const Tensor& scale,
                        const std::vector<int64_t>& want) {
  if (scale.dtype != DType::fp8ue8m0) {
    c.issue(ValidationCode::scale_dtype, Check::operand(role, scale),
            std::string(name(scale.dtype)) + " is not FP8UE8M0");
  }
  if (scale.shape != want) {
    c.issue(ValidationCode::scale_shape, Check::operand(role, scale),
            "shape " + shape_string(scale.shape) + " must be " + shape_string(want));
  }
}

std::optional<std::vector<int64_t>> shape_operand(Check& c, const char* role, const Tensor& s,
                                                  size_t length, ValidationCode not_const,
                                                  ValidationCode wrong_length) {
  if (!c.produced_by_const_shape(s)) {
    c.issue(not_const, Check::operand(role, s), "must be a SHAPE tensor produced by CONST_SHAPE");
    return std::nullopt;
  }
  const std::vector<int64_t> v = shape_values(s);
  if (v.size() != length) {
    c.issue(wrong_length, Check::operand(role, s),
            "holds " + std::to_string(v.size()) + " values, not " + std::to_string(length));
    return std::nullopt;
  }
  return v;
}

}  // namespace mxconf::pipeline::validation

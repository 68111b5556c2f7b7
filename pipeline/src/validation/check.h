// Internal to validation/: what a checker sees, and the checker lists of each operator. A checker
// is one small rule (an ERROR_IF, a type-support rule, a level limit) that reports what it finds
// in the words of the spec's inequality. Checkers of one operator run in order; one that returns
// false has found the operator too broken for the rest of its list (the shapes the rest would
// read are not there), and ends it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::pipeline::validation {

class Check {
 public:
  Check(const Graph& g, const Target& t, int64_t index, const Operator& op,
        std::vector<ValidationIssue>& out)
      : g_(g), t_(t), index_(index), op_(op), name_(name(op.op)), out_(out) {}

  const Graph& graph() const { return g_; }
  const Target& target() const { return t_; }
  const Operator& op() const { return op_; }
  // Operand / result i, or null when the op has fewer or it is undeclared.
  const Tensor* in(size_t i) const {
    return i < op_.inputs.size() ? g_.find(op_.inputs[i]) : nullptr;
  }
  const Tensor* out(size_t i) const {
    return i < op_.outputs.size() ? g_.find(op_.outputs[i]) : nullptr;
  }
  void issue(ValidationCode c, const std::string& operand, const std::string& rule);
  static std::string operand(const char* role, const Tensor& t) {
    return std::string(role) + " '" + t.name + "'";
  }
  // Whether `t` holds data and an op of kind `k` produces it (a CONST or CONST_SHAPE result).
  bool produced_by(const Tensor& t, OpKind k) const;
  // Whether `s` is a SHAPE tensor with data that a CONST_SHAPE op produces.
  bool produced_by_const_shape(const Tensor& s) const {
    return s.dtype == DType::shape && produced_by(s, OpKind::const_shape);
  }

 private:
  const Graph& g_;
  const Target& t_;
  int64_t index_;
  const Operator& op_;
  std::string name_;
  std::vector<ValidationIssue>& out_;
};

using Checker = bool (*)(Check&);

// Shared checkers and helpers of the block-scaled operators.
bool block_size_is_32(Check& c);
// The scale tensor's dtype and shape against `want`.
void expect_scale_shape(Check& c, const char* role, const Tensor& scale,
                        const std::vector<int64_t>& want);
// The values of a CONST_SHAPE operand of `length` entries, or nothing (reported with `code` for
// a wrong length and `not_const` when it is not a CONST_SHAPE result).
std::optional<std::vector<int64_t>> shape_operand(Check& c, const char* role, const Tensor& s,
                                                  size_t length, ValidationCode not_const,
                                                  ValidationCode wrong_length);

// Each operator's ERROR_IF and type-support checkers (one file per family).
const std::vector<Checker>& cast_to_block_scaled_checks();
const std::vector<Checker>& cast_from_block_scaled_checks();
const std::vector<Checker>& matmul_t_block_scaled_checks();
const std::vector<Checker>& conv2d_block_scaled_checks();
const std::vector<Checker>& reshape_block_scaled_checks();
const std::vector<Checker>& row_gather_block_scaled_checks();
const std::vector<Checker>& reshape_checks();
const std::vector<Checker>& transpose_checks();
const std::vector<Checker>& add_checks();
const std::vector<Checker>& cast_checks();
const std::vector<Checker>& matmul_checks();

// Level limits (level 8K), apart from the ERROR_IFs; the operators that have any.
const std::vector<Checker>* level_checks(OpKind op);

// An operand that must be an MX payload type (fp8/fp6/fp4 or MXINT8). Returns whether it is one.
inline bool mx_payload(Check& c, ValidationCode code, const char* role, const Tensor& t) {
  if (element_type(t.dtype)) return true;
  c.issue(code, Check::operand(role, t), std::string(name(t.dtype)) + " is not an MX payload type");
  return false;
}

// Extension and profile gating: what the target must offer for the graph's tensors and ops.
void check_extensions(const Graph& g, const Target& t, std::vector<ValidationIssue>& out);

}  // namespace mxconf::pipeline::validation

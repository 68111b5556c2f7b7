// TOSA validation: the driver over the checker lists (validation/check.h). Per operator, its
// ERROR_IF and type-support checkers (one file per operator family), then, for an operator whole
// enough to read them, its level limits (levels.cpp); for the whole graph, the profile and
// extension gating (extensions.cpp).
#include "mxconf/pipeline/tosa_validate.h"

#include <cctype>
#include <stdexcept>

#include "mxconf/vocabulary/named.h"
#include "validation/check.h"

namespace mxconf::pipeline {
namespace {

// The validation entry of each operator mxconf validates.
const std::vector<validation::Checker>* checks_of(OpKind op) {
  using namespace validation;
  switch (op) {
    case OpKind::cast_to_block_scaled:
      return &cast_to_block_scaled_checks();
    case OpKind::cast_from_block_scaled:
      return &cast_from_block_scaled_checks();
    case OpKind::matmul_t_block_scaled:
      return &matmul_t_block_scaled_checks();
    case OpKind::conv2d_block_scaled:
      return &conv2d_block_scaled_checks();
    case OpKind::reshape_block_scaled:
      return &reshape_block_scaled_checks();
    case OpKind::row_gather_block_scaled:
      return &row_gather_block_scaled_checks();
    case OpKind::reshape:
      return &reshape_checks();
    case OpKind::transpose:
      return &transpose_checks();
    case OpKind::add:
      return &add_checks();
    case OpKind::cast:
      return &cast_checks();
    case OpKind::matmul:
      return &matmul_checks();
    default:
      return nullptr;
  }
}

constexpr Named<ValidationCode> kCodeNames[] = {
    {ValidationCode::unsupported_op, "unsupported_op"},
    {ValidationCode::profile_missing, "profile_missing"},
    {ValidationCode::rank_zero, "rank_zero"},
    {ValidationCode::rank_not_3, "rank_not_3"},
    {ValidationCode::block_size, "block_size"},
    {ValidationCode::block_misaligned, "block_misaligned"},
    {ValidationCode::scale_shape, "scale_shape"},
    {ValidationCode::payload_mismatch, "payload_mismatch"},
    {ValidationCode::contraction_mismatch, "contraction_mismatch"},
    {ValidationCode::batch_broadcast, "batch_broadcast"},
    {ValidationCode::input_dtype, "input_dtype"},
    {ValidationCode::output_dtype, "output_dtype"},
    {ValidationCode::scale_dtype, "scale_dtype"},
    {ValidationCode::output_shape, "output_shape"},
    {ValidationCode::add_rank, "add_rank"},
    {ValidationCode::add_broadcast, "add_broadcast"},
    {ValidationCode::reshape_element_count, "reshape_element_count"},
    {ValidationCode::reshape_shape_operand, "reshape_shape_operand"},
    {ValidationCode::transpose_permutation, "transpose_permutation"},
    {ValidationCode::cast_types, "cast_types"},
    {ValidationCode::zero_point, "zero_point"},
    {ValidationCode::extension_mx_payload, "extension_mx_payload"},
    {ValidationCode::extension_e8m0, "extension_e8m0"},
    {ValidationCode::extension_bf16, "extension_bf16"},
    {ValidationCode::conv_rank, "conv_rank"},
    {ValidationCode::conv_shape_operand, "conv_shape_operand"},
    {ValidationCode::conv_pad, "conv_pad"},
    {ValidationCode::conv_stride, "conv_stride"},
    {ValidationCode::conv_dilation, "conv_dilation"},
    {ValidationCode::conv_output_size, "conv_output_size"},
    {ValidationCode::conv_bias_shape, "conv_bias_shape"},
    {ValidationCode::level_kernel, "level_kernel"},
    {ValidationCode::level_pad, "level_pad"},
    {ValidationCode::level_stride, "level_stride"},
    {ValidationCode::extension_mx_conv, "extension_mx_conv"},
    {ValidationCode::tensor_list, "tensor_list"},
    {ValidationCode::gather_operand, "gather_operand"},
    {ValidationCode::unsupported_type, "unsupported_type"},
};

}  // namespace

Target Target::parse(std::string_view text) {
  Target t;
  t.text = std::string(text);
  t.fp = false;
  t.mx_common = false;
  t.mx_elements.clear();
  t.bf16 = false;
  t.mx_conv = false;
  t.extensions.clear();
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : text) {
    if (c == '+') {
      tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  tokens.push_back(cur);
  if (tokens[0] != "TOSA-1.1") {
    throw std::invalid_argument("target '" + t.text +
                                "': must start with TOSA-1.1 (MX ops are 1.1)");
  }
  const std::pair<const char*, DType> elements[] = {
      {"EXT-MX-FP8E4M3", DType::fp8e4m3}, {"EXT-MX-FP8E5M2", DType::fp8e5m2},
      {"EXT-MX-FP6E2M3", DType::fp6e2m3}, {"EXT-MX-FP6E3M2", DType::fp6e3m2},
      {"EXT-MX-FP4E2M1", DType::fp4e2m1}, {"EXT-MX-INT8", DType::mxint8}};
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string& given = tokens[i];
    // tosa-tools' conformance spellings name the same things: "tosa-pro-fp" is FP,
    // "tosa-ext-mx-common" EXT-MX-COMMON, "tosa-ext-mxfp" (2026.5.0's one MX extension)
    // EXT-MXFP, "tosa-ext-mxfp-conv" EXT-MXFP-CONV (conformance/tosa_profiles.py, 2026.5.0 and
    // 2026.8.0).
    std::string k = given;
    if (k.rfind("tosa-", 0) == 0) {
      k = k.substr(5);
      for (char& ch : k) ch = char(std::toupper(static_cast<unsigned char>(ch)));
      if (k == "PRO-FP") k = "FP";
      if (k == "PRO-INT") k = "INT";
    }
    if (k != "FP" && k != "INT") t.extensions.push_back(given);
    if (k == "FP") {
      t.fp = true;
    } else if (k == "INT") {
      // integer profile: nothing mxconf emits depends on it
    } else if (k == "mxfp" || k == "EXT-MXFP") {
      t.mx_common = true;
      for (const auto& e : elements) t.mx_elements.insert(e.second);
    } else if (k == "EXT-MX-COMMON") {
      t.mx_common = true;
    } else if (k == "bf16" || k == "EXT-BF16") {
      t.bf16 = true;
    } else if (k == "mxfp_conv" || k == "EXT-MXFP-CONV") {
      t.mx_conv = true;
    } else if (k == "fp8e4m3" || k == "fp8e5m2" || k == "int16" || k == "int4" || k == "cf" ||
               k == "u55" || k == "blockscale_ue5m3" || k == "EXT-FP8E4M3" || k == "EXT-FP8E5M2" ||
               k == "EXT-INT64" || k == "int64") {
      // other ExecuTorch / spec extensions: accepted, no bearing on MX gating
    } else {
      bool found = false;
      for (const auto& e : elements) {
        if (k == e.first) {
          t.mx_elements.insert(e.second);
          found = true;
        }
      }
      if (!found) throw std::invalid_argument("target '" + t.text + "': unknown token '" + k + "'");
    }
  }
  return t;
}

std::string_view name(ValidationCode c) {
  return name_in(kCodeNames, c);
}

std::vector<ValidationIssue> validate_tosa(const Graph& g, const Target& target) {
  std::vector<ValidationIssue> issues;
  if (!target.fp) {
    issues.push_back({ValidationCode::profile_missing, -1, "target " + target.text, "profile",
                      "target " + target.text + ": profile: FP is required"});
  }
  validation::check_extensions(g, target, issues);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    if (op.op == OpKind::const_tensor || op.op == OpKind::const_shape) continue;
    const std::vector<validation::Checker>* checks = checks_of(op.op);
    if (!checks) {
      const std::string who = op.op == OpKind::unknown ? "op value " + std::to_string(op.raw_op)
                                                       : std::string(name(op.op));
      issues.push_back({ValidationCode::unsupported_op, int64_t(i), who, "operator",
                        who + " (op " + std::to_string(i) +
                            "): operator: is not a TOSA operator mxconf validates"});
      continue;
    }
    validation::Check c(g, target, int64_t(i), op, issues);
    bool whole = true;
    for (validation::Checker check : *checks) {
      if (!check(c)) {
        whole = false;
        break;
      }
    }
    // Level limits, on an operator whole enough to read them (every checker ran: its geometry
    // operands are there and in range), whatever else its ERROR_IFs found.
    if (const auto* levels = validation::level_checks(op.op); levels && whole) {
      for (validation::Checker check : *levels) check(c);
    }
  }
  return issues;
}

}  // namespace mxconf::pipeline

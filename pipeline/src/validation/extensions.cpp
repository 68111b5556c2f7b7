// Extension gating, apart from the operators' rules: the MX payload types need EXT-MX-COMMON and
// their own EXT-MX-<payload> (or mxfp), FP8UE8M0 scales EXT-MX-COMMON, BF16 tensors EXT-BF16, and
// CONV2D_BLOCK_SCALED EXT-MXFP-CONV (or mxfp_conv).
#include "check.h"
#include "mxconf/faults/faults.h"

namespace mxconf::pipeline::validation {
namespace {

void issue(std::vector<ValidationIssue>& out, ValidationCode c, int64_t op, std::string op_name,
           std::string operand, const std::string& rule) {
  std::string msg =
      op_name + (op >= 0 ? " (op " + std::to_string(op) + ")" : "") + ": " + operand + ": " + rule;
  out.push_back({c, op, std::move(op_name), std::move(operand), std::move(msg)});
}

}  // namespace

void check_extensions(const Graph& g, const Target& t, std::vector<ValidationIssue>& out) {
  const std::string who = "target " + t.text;
  for (const Tensor& x : g.tensors) {
    const std::string operand = "tensor '" + x.name + "' (" + std::string(name(x.dtype)) + ")";
    if (is_mx_payload(x.dtype) && (!t.mx_common || !t.mx_elements.count(x.dtype))) {
      issue(out, ValidationCode::extension_mx_payload, -1, who, operand,
            "needs EXT-MX-COMMON and EXT-MX-" + std::string(name(x.dtype)) + " (or mxfp)");
    }
    if (x.dtype == DType::fp8ue8m0 && !t.mx_common && !MXCONF_FAULT(e8m0_gate_missing)) {
      issue(out, ValidationCode::extension_e8m0, -1, who, operand,
            "FP8UE8M0 needs EXT-MX-COMMON (or mxfp)");
    }
    if (x.dtype == DType::bf16 && !t.bf16) {
      issue(out, ValidationCode::extension_bf16, -1, who, operand, "BF16 needs EXT-BF16 (or bf16)");
    }
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (g.ops[i].op == OpKind::conv2d_block_scaled && !t.mx_conv) {
      issue(out, ValidationCode::extension_mx_conv, int64_t(i), std::string(name(g.ops[i].op)),
            "operator", "needs EXT-MXFP-CONV (or mxfp_conv) in target " + t.text);
    }
  }
}

}  // namespace mxconf::pipeline::validation

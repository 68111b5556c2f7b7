#include "mxconf/pipeline/tosa_validate.h"

#include "mxconf/faults/faults.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace mxconf::pipeline {
namespace {

class Validator {
 public:
  Validator(const Graph& g, const Target& t) : g_(g), t_(t) {}

  std::vector<ValidationIssue> run() {
    check_extensions();
    for (size_t i = 0; i < g_.ops.size(); ++i) check_op(int64_t(i), g_.ops[i]);
    return std::move(issues_);
  }

 private:
  const Tensor* tensor(const std::string& name) const { return g_.find(name); }

  void issue(ValidationCode c, int64_t op, std::string op_name, std::string operand,
             const std::string& rule) {
    std::string msg = op_name + (op >= 0 ? " (op " + std::to_string(op) + ")" : "") + ": " +
                      operand + ": " + rule;
    issues_.push_back({c, op, std::move(op_name), std::move(operand), std::move(msg)});
  }

  void check_extensions() {
    for (const Tensor& t : g_.tensors) {
      const std::string operand = "tensor '" + t.name + "' (" + std::string(name(t.dtype)) + ")";
      if (is_mx_payload(t.dtype) && (!t_.mx_common || !t_.mx_elements.count(t.dtype))) {
        issue(ValidationCode::extension_mx_payload, -1, "target " + t_.text, operand,
              "needs EXT-MX-COMMON and EXT-MX-" + std::string(name(t.dtype)) + " (or mxfp)");
      }
      if (t.dtype == DType::fp8ue8m0 && !t_.mx_common && !MXCONF_FAULT(e8m0_gate_missing)) {
        issue(ValidationCode::extension_e8m0, -1, "target " + t_.text, operand,
              "FP8UE8M0 needs EXT-MX-COMMON (or mxfp)");
      }
      if (t.dtype == DType::bf16 && !t_.bf16) {
        issue(ValidationCode::extension_bf16, -1, "target " + t_.text, operand,
              "BF16 needs EXT-BF16 (or bf16)");
      }
    }
  }

  // Resolves operand i of op; reports and returns null when missing.
  const Tensor* in(const Operator& op, size_t i) const {
    return i < op.inputs.size() ? tensor(op.inputs[i]) : nullptr;
  }
  const Tensor* out(const Operator& op, size_t i) const {
    return i < op.outputs.size() ? tensor(op.outputs[i]) : nullptr;
  }
  static std::string operand(const char* role, const Tensor& t) {
    return std::string(role) + " '" + t.name + "'";
  }

  void check_op(int64_t idx, const Operator& op) {
    const std::string n(name(op.op));
    switch (op.op) {
      case OpKind::const_tensor:
      case OpKind::const_shape:
        return;
      case OpKind::cast_to_block_scaled:
        return cast_to(idx, n, op);
      case OpKind::cast_from_block_scaled:
        return cast_from(idx, n, op);
      case OpKind::matmul_t_block_scaled:
        return matmul_t(idx, n, op);
      case OpKind::conv2d_block_scaled:
        return conv2d(idx, n, op);
      case OpKind::reshape:
        return reshape(idx, n, op);
      case OpKind::transpose:
        return transpose(idx, n, op);
      case OpKind::add:
        return add(idx, n, op);
      case OpKind::cast:
        return cast(idx, n, op);
      case OpKind::matmul:
        return matmul(idx, n, op);
      default:
        issue(ValidationCode::unsupported_op, idx,
              op.op == OpKind::unknown ? "op value " + std::to_string(op.raw_op) : n, "operator",
              "is not a TOSA operator mxconf validates");
    }
  }

  bool block_rules(int64_t idx, const std::string& n, const Operator& op, const Tensor& data) {
    bool ok = true;
    if (op.attrs.block_size != 32) {
      issue(ValidationCode::block_size, idx, n, "attribute block_size",
            std::to_string(op.attrs.block_size) + " is not BLOCK_SIZE_32");
      ok = false;
    }
    if (data.shape.empty()) {
      issue(ValidationCode::rank_zero, idx, n, operand("input_data", data), "ERROR_IF(rank == 0)");
      return false;
    }
    if (data.shape.back() % 32 != 0) {
      issue(ValidationCode::block_misaligned, idx, n, operand("input_data", data),
            "last dimension " + std::to_string(data.shape.back()) +
                " is not a multiple of block_size 32");
      ok = false;
    }
    return ok;
  }

  void expect_scale_shape(int64_t idx, const std::string& n, const char* role, const Tensor& scale,
                          std::vector<int64_t> want) {
    if (scale.dtype != DType::fp8ue8m0) {
      issue(ValidationCode::scale_dtype, idx, n, operand(role, scale),
            std::string(name(scale.dtype)) + " is not FP8UE8M0");
    }
    if (scale.shape != want) {
      issue(ValidationCode::scale_shape, idx, n, operand(role, scale),
            "shape " + shape_string(scale.shape) + " must be " + shape_string(want));
    }
  }

  void cast_to(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *x = in(op, 0), *data = out(op, 0), *scale = out(op, 1);
    if (!x || !data || !scale) return;
    if (x->dtype != DType::fp32 && x->dtype != DType::bf16) {
      issue(ValidationCode::input_dtype, idx, n, operand("input_data", *x),
            std::string(name(x->dtype)) + " is not FP32 or BF16");
    }
    if (!element_type(data->dtype)) {
      issue(ValidationCode::output_dtype, idx, n, operand("output_data", *data),
            std::string(name(data->dtype)) + " is not an MX payload type");
    }
    if (!block_rules(idx, n, op, *x)) return;
    if (data->shape != x->shape) {
      issue(ValidationCode::output_shape, idx, n, operand("output_data", *data),
            "shape " + shape_string(data->shape) + " must equal the input's " +
                shape_string(x->shape));
    }
    auto want = x->shape;
    want.back() /= 32;
    expect_scale_shape(idx, n, "output_scale", *scale, want);
  }

  void cast_from(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *data = in(op, 0), *scale = in(op, 1), *y = out(op, 0);
    if (!data || !scale || !y) return;
    if (!element_type(data->dtype)) {
      issue(ValidationCode::input_dtype, idx, n, operand("input_data", *data),
            std::string(name(data->dtype)) + " is not an MX payload type");
    }
    if (y->dtype != DType::fp32 && y->dtype != DType::bf16) {
      issue(ValidationCode::output_dtype, idx, n, operand("output_data", *y),
            std::string(name(y->dtype)) + " is not FP32 or BF16");
    }
    if (!block_rules(idx, n, op, *data)) return;
    auto want = data->shape;
    want.back() /= 32;
    expect_scale_shape(idx, n, "input_scale", *scale, want);
    if (y->shape != data->shape) {
      issue(ValidationCode::output_shape, idx, n, operand("output_data", *y),
            "shape " + shape_string(y->shape) + " must equal " + shape_string(data->shape));
    }
  }

  void matmul_t(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *a = in(op, 0), *as = in(op, 1), *b = in(op, 2), *bs = in(op, 3), *y = out(op, 0);
    if (!a || !as || !b || !bs || !y) return;
    bool ranks = true;
    for (auto [role, t] :
         {std::pair{"A_data", a}, {"A_scale", as}, {"B_data", b}, {"B_scale", bs}}) {
      if (t->shape.size() != 3) {
        issue(ValidationCode::rank_not_3, idx, n, operand(role, *t),
              "rank " + std::to_string(t->shape.size()) + " is not 3");
        ranks = false;
      }
    }
    if (!element_type(a->dtype)) {
      issue(ValidationCode::input_dtype, idx, n, operand("A_data", *a),
            std::string(name(a->dtype)) + " is not an MX payload type");
    }
    if (a->dtype != b->dtype) {
      issue(ValidationCode::payload_mismatch, idx, n, operand("B_data", *b),
            std::string(name(b->dtype)) + " differs from A_data's " + std::string(name(a->dtype)) +
                " (no mixed element types)");
    }
    if (y->dtype != DType::fp32) {
      issue(ValidationCode::output_dtype, idx, n, operand("output_data", *y),
            std::string(name(y->dtype)) + " is not FP32");
    }
    if (op.attrs.block_size != 32) {
      issue(ValidationCode::block_size, idx, n, "attribute block_size",
            std::to_string(op.attrs.block_size) + " is not BLOCK_SIZE_32");
    }
    if (!ranks) return;
    const int64_t N = a->shape[0], H = a->shape[1], C = a->shape[2];
    const int64_t D = b->shape[0], W = b->shape[1], Cb = b->shape[2];
    if (C != Cb) {
      issue(ValidationCode::contraction_mismatch, idx, n, operand("B_data", *b),
            "C = " + std::to_string(Cb) + " differs from A_data's C = " + std::to_string(C));
    }
    if (C % 32 != 0) {
      issue(ValidationCode::block_misaligned, idx, n, operand("A_data", *a),
            "C = " + std::to_string(C) + " is not a multiple of block_size 32");
      return;
    }
    if (D != 1 && D != N) {
      issue(ValidationCode::batch_broadcast, idx, n, operand("B_data", *b),
            "ERROR_IF(D != N && D != 1): D = " + std::to_string(D) + ", N = " + std::to_string(N));
    }
    expect_scale_shape(idx, n, "A_scale", *as, {N, H, C / 32});
    expect_scale_shape(idx, n, "B_scale", *bs, {D, W, C / 32});
    if (y->shape != std::vector<int64_t>{N, H, W}) {
      issue(ValidationCode::output_shape, idx, n, operand("output_data", *y),
            "shape " + shape_string(y->shape) + " must be [N,H,W] = " + shape_string({N, H, W}));
    }
  }

  // The values of a CONST_SHAPE operand of `length` entries, or nullopt (reported).
  std::optional<std::vector<int64_t>> shape_operand(int64_t idx, const std::string& n,
                                                    const char* role, const Tensor& s,
                                                    size_t length) {
    if (!produced_by_const_shape(s)) {
      issue(ValidationCode::conv_shape_operand, idx, n, operand(role, s),
            "must be a SHAPE tensor produced by CONST_SHAPE");
      return std::nullopt;
    }
    const std::vector<int64_t> v = shape_values(s);
    if (v.size() != length) {
      issue(ValidationCode::conv_rank, idx, n, operand(role, s),
            "holds " + std::to_string(v.size()) + " values, not " + std::to_string(length));
      return std::nullopt;
    }
    return v;
  }

  bool produced_by_const_shape(const Tensor& s) const {
    return s.dtype == DType::shape && s.data &&
           std::any_of(g_.ops.begin(), g_.ops.end(), [&](const Operator& o) {
             return o.op == OpKind::const_shape && !o.outputs.empty() && o.outputs[0] == s.name;
           });
  }

  // CONV2D_BLOCK_SCALED: every ERROR_IF of conv2d-block-scaled.md, then the 8K level limits.
  void conv2d(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *x = in(op, 0), *xs = in(op, 1), *w = in(op, 2), *ws = in(op, 3);
    const Tensor *bias = in(op, 4), *pad_t = in(op, 5), *stride_t = in(op, 6),
                 *dilation_t = in(op, 7), *y = out(op, 0);
    if (!x || !xs || !w || !ws || !bias || !pad_t || !stride_t || !dilation_t || !y) return;
    if (!t_.mx_conv) {
      issue(ValidationCode::extension_mx_conv, idx, n, "operator",
            "needs EXT-MXFP-CONV (or mxfp_conv) in target " + t_.text);
    }
    bool ranks = true;
    for (auto [role, t, rank] : {std::tuple{"input_data", x, size_t(4)},
                                 {"input_scale", xs, size_t(4)},
                                 {"weight_data", w, size_t(4)},
                                 {"weight_scale", ws, size_t(4)},
                                 {"bias", bias, size_t(1)},
                                 {"output", y, size_t(4)}}) {
      if (t->shape.size() != rank) {
        issue(ValidationCode::conv_rank, idx, n, operand(role, *t),
              "rank " + std::to_string(t->shape.size()) + " is not " + std::to_string(rank));
        ranks = false;
      }
    }
    if (!element_type(x->dtype)) {
      issue(ValidationCode::input_dtype, idx, n, operand("input_data", *x),
            std::string(name(x->dtype)) + " is not an MX payload type");
    }
    if (x->dtype != w->dtype) {
      issue(ValidationCode::payload_mismatch, idx, n, operand("weight_data", *w),
            std::string(name(w->dtype)) + " differs from input_data's " +
                std::string(name(x->dtype)) + " (in_t and weight_t must be the same payload)");
    }
    if (bias->dtype != DType::fp32) {
      issue(ValidationCode::input_dtype, idx, n, operand("bias", *bias),
            std::string(name(bias->dtype)) + " is not FP32");
    }
    if (y->dtype != DType::fp32) {
      issue(ValidationCode::output_dtype, idx, n, operand("output", *y),
            std::string(name(y->dtype)) + " is not FP32");
    }
    if (op.attrs.block_size != 32) {
      issue(ValidationCode::block_size, idx, n, "attribute block_size",
            std::to_string(op.attrs.block_size) + " is not BLOCK_SIZE_32");
    }
    const auto pad = shape_operand(idx, n, "pad", *pad_t, 4);
    const auto stride = shape_operand(idx, n, "stride", *stride_t, 2);
    const auto dilation = shape_operand(idx, n, "dilation", *dilation_t, 2);
    if (!ranks) return;
    const int64_t N = x->shape[0], IH = x->shape[1], IW = x->shape[2], IC = x->shape[3];
    const int64_t OC = w->shape[0], KH = w->shape[1], KW = w->shape[2];
    if (IC % 32 != 0) {
      issue(ValidationCode::block_misaligned, idx, n, operand("input_data", *x),
            "ERROR_IF(IC % block_size != 0): IC = " + std::to_string(IC));
      return;
    }
    if (w->shape[3] != IC) {
      issue(ValidationCode::contraction_mismatch, idx, n, operand("weight_data", *w),
            "IC = " + std::to_string(w->shape[3]) +
                " differs from input_data's IC = " + std::to_string(IC));
    }
    expect_scale_shape(idx, n, "input_scale", *xs, {N, IH, IW, IC / 32});
    expect_scale_shape(idx, n, "weight_scale", *ws, {OC, KH, KW, IC / 32});
    const int64_t BC = bias->shape[0];
    if (BC != OC && BC != 1) {
      issue(ValidationCode::conv_bias_shape, idx, n, operand("bias", *bias),
            "ERROR_IF(BC != OC && BC != 1): BC = " + std::to_string(BC) +
                ", OC = " + std::to_string(OC));
    }
    if (!pad || !stride || !dilation) return;
    const auto& p = *pad;
    const auto& s = *stride;
    const auto& d = *dilation;
    bool geometry = true;
    if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[3] < 0) {
      issue(ValidationCode::conv_pad, idx, n, operand("pad", *pad_t),
            "ERROR_IF(pad_top < 0 || pad_bottom < 0 || pad_left < 0 || pad_right < 0): " +
                shape_string(p));
      geometry = false;
    }
    if (s[0] < 1 || s[1] < 1) {
      issue(ValidationCode::conv_stride, idx, n, operand("stride", *stride_t),
            "ERROR_IF(stride_y < 1 || stride_x < 1): " + shape_string(s));
      geometry = false;
    }
    if (d[0] < 1 || d[1] < 1) {
      issue(ValidationCode::conv_dilation, idx, n, operand("dilation", *dilation_t),
            "ERROR_IF(dilation_y < 1 || dilation_x < 1): " + shape_string(d));
      geometry = false;
    }
    if (geometry) {
      conv_output_axis(idx, n, *y, "OH", 1, IH, p[0], p[1], KH, d[0], s[0]);
      conv_output_axis(idx, n, *y, "OW", 2, IW, p[2], p[3], KW, d[1], s[1]);
      if (y->shape[0] != N || y->shape[3] != OC) {
        issue(ValidationCode::output_shape, idx, n, operand("output", *y),
              "shape " + shape_string(y->shape) + " must be [N, OH, OW, OC] with N = " +
                  std::to_string(N) + ", OC = " + std::to_string(OC));
      }
    }
    // Level 8K (MAX_KERNEL = MAX_STRIDE = 8192): kept apart from the ERROR_IFs above.
    constexpr int64_t kMaxKernel = 8192, kMaxStride = 8192;
    if (geometry) {
      for (auto [k, dil, axis] : {std::tuple{KH, d[0], "y"}, {KW, d[1], "x"}}) {
        int64_t extent = 0;  // the spec's level check: the dilation times the kernel
        if (__builtin_mul_overflow(dil, k, &extent) || extent > kMaxKernel) {
          issue(ValidationCode::level_kernel, idx, n, operand("weight_data", *w),
                std::string("LEVEL_CHECK(dilation_") + axis + " * K" +
                    (axis[0] == 'y' ? "H" : "W") +
                    " <= MAX_KERNEL = 8192): " + std::to_string(dil) + " * " + std::to_string(k));
        }
      }
      for (size_t i = 0; i < 4; ++i) {
        if (p[i] > kMaxKernel) {
          issue(ValidationCode::level_pad, idx, n, operand("pad", *pad_t),
                "LEVEL_CHECK(pad <= MAX_KERNEL = 8192): " + shape_string(p));
          break;
        }
      }
      if (s[0] > kMaxStride || s[1] > kMaxStride) {
        issue(ValidationCode::level_stride, idx, n, operand("stride", *stride_t),
              "LEVEL_CHECK(stride <= MAX_STRIDE = 8192): " + shape_string(s));
      }
    }
  }

  void conv_output_axis(int64_t idx, const std::string& n, const Tensor& y, const char* what,
                        size_t dim, int64_t in, int64_t pad_a, int64_t pad_b, int64_t k,
                        int64_t dilation, int64_t stride) {
    const std::string formula = std::string(what) + " = (" + (dim == 1 ? "IH" : "IW") +
                                " - 1 + pads - (K - 1) * dilation) / stride + 1";
    // The operands are constant data, not declared dims: no load limit bounds them.
    int64_t span = 0, reach = 0;
    if (__builtin_mul_overflow(k - 1, dilation, &reach) ||
        __builtin_add_overflow(in - 1, pad_a, &span) ||
        __builtin_add_overflow(span, pad_b, &span) || __builtin_sub_overflow(span, reach, &span)) {
      issue(ValidationCode::conv_output_size, idx, n, operand("output", y),
            "ERROR_IF(idiv_check fails): " + formula + " overflows int64");
      return;
    }
    if (span < 0 || span % stride != 0) {
      issue(ValidationCode::conv_output_size, idx, n, operand("output", y),
            "ERROR_IF(idiv_check fails): " + formula + " with span " + std::to_string(span) +
                " and stride " + std::to_string(stride) + " is not an exact non-negative division");
      return;
    }
    if (y.shape[dim] != span / stride + 1) {
      issue(ValidationCode::conv_output_size, idx, n, operand("output", y),
            "ERROR_IF(" + std::string(what) + " != " + std::to_string(span / stride + 1) +
                "): " + formula + ", the output has " + std::to_string(y.shape[dim]));
    }
  }

  void reshape(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *x = in(op, 0), *s = in(op, 1), *y = out(op, 0);
    if (!x || !s || !y) return;
    const bool from_const = std::any_of(g_.ops.begin(), g_.ops.end(), [&](const Operator& o) {
      return o.op == OpKind::const_shape && !o.outputs.empty() && o.outputs[0] == s->name;
    });
    if (s->dtype != DType::shape || !s->data || !from_const) {
      issue(ValidationCode::reshape_shape_operand, idx, n, operand("shape", *s),
            "must be a SHAPE tensor produced by CONST_SHAPE");
      return;
    }
    const std::vector<int64_t> target = shape_values(*s);
    if (target != y->shape) {
      issue(ValidationCode::output_shape, idx, n, operand("output", *y),
            "shape " + shape_string(y->shape) + " differs from the shape operand " +
                shape_string(target));
    }
    int64_t count = 1;
    for (int64_t d : target) {
      if (d < 0) {
        issue(ValidationCode::reshape_shape_operand, idx, n, operand("shape", *s),
              "holds a negative dimension");
        return;
      }
      // The values are constant data, not declared dims, so no load limit bounds their product.
      if (__builtin_mul_overflow(count, d, &count)) {
        issue(ValidationCode::reshape_element_count, idx, n, operand("shape", *s),
              "the element count of " + shape_string(target) + " overflows int64");
        return;
      }
    }
    if (count != x->element_count()) {
      issue(ValidationCode::reshape_element_count, idx, n, operand("input1", *x),
            std::to_string(x->element_count()) + " elements cannot become " + shape_string(target));
    }
    if (x->dtype != y->dtype) {
      issue(ValidationCode::output_dtype, idx, n, operand("output", *y),
            "dtype differs from input1");
    }
  }

  void transpose(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *x = in(op, 0), *y = out(op, 0);
    if (!x || !y) return;
    const auto& p = op.attrs.perms;
    std::vector<int32_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    bool perm = p.size() == x->shape.size();
    for (size_t i = 0; perm && i < sorted.size(); ++i) perm = sorted[i] == int32_t(i);
    if (!perm) {
      issue(ValidationCode::transpose_permutation, idx, n, "attribute perms",
            "is not a permutation of 0.." + std::to_string(int(x->shape.size()) - 1));
      return;
    }
    std::vector<int64_t> want(p.size());
    for (size_t i = 0; i < p.size(); ++i) want[i] = x->shape[size_t(p[i])];
    if (y->shape != want) {
      issue(ValidationCode::output_shape, idx, n, operand("output", *y),
            "shape " + shape_string(y->shape) + " must be " + shape_string(want));
    }
  }

  void add(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *a = in(op, 0), *b = in(op, 1), *y = out(op, 0);
    if (!a || !b || !y) return;
    if (a->dtype != b->dtype || a->dtype != y->dtype ||
        (a->dtype != DType::fp32 && a->dtype != DType::bf16)) {
      issue(ValidationCode::input_dtype, idx, n, operand("input2", *b),
            "ADD needs equal FP32 (or BF16) operands");
    }
    if (a->shape.size() != b->shape.size()) {
      issue(ValidationCode::add_rank, idx, n, operand("input2", *b),
            "rank " + std::to_string(b->shape.size()) + " differs from input1's rank " +
                std::to_string(a->shape.size()) + " (ranks must be equal)");
      return;
    }
    std::vector<int64_t> want(a->shape.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const int64_t x = a->shape[i], z = b->shape[i];
      if (x != z && x != 1 && z != 1) {
        issue(ValidationCode::add_broadcast, idx, n, operand("input2", *b),
              "dimension " + std::to_string(i) + " is " + std::to_string(z) + " vs " +
                  std::to_string(x) + ": neither equal nor 1");
        return;
      }
      want[i] = std::max(x, z);
    }
    if (y->shape != want) {
      issue(ValidationCode::output_shape, idx, n, operand("output", *y),
            "shape " + shape_string(y->shape) + " must be " + shape_string(want));
    }
  }

  void cast(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *x = in(op, 0), *y = out(op, 0);
    if (!x || !y) return;
    const bool ok = (x->dtype == DType::fp32 && y->dtype == DType::bf16) ||
                    (x->dtype == DType::bf16 && y->dtype == DType::fp32);
    if (!ok) {
      issue(ValidationCode::cast_types, idx, n, operand("input", *x),
            std::string(name(x->dtype)) + " -> " + std::string(name(y->dtype)) +
                " is not a CAST pair mxconf supports (FP32 <-> BF16)");
    }
    if (x->shape != y->shape) {
      issue(ValidationCode::output_shape, idx, n, operand("output", *y),
            "shape differs from input");
    }
  }

  void matmul(int64_t idx, const std::string& n, const Operator& op) {
    const Tensor *a = in(op, 0), *b = in(op, 1), *az = in(op, 2), *bz = in(op, 3), *y = out(op, 0);
    if (!a || !b || !az || !bz || !y) return;
    if (a->shape.size() != 3 || b->shape.size() != 3) {
      issue(ValidationCode::rank_not_3, idx, n, operand("A", *a), "A and B must be rank 3");
      return;
    }
    for (auto [role, t] : {std::pair{"A", a}, {"B", b}}) {
      if (t->dtype != DType::fp32) {
        issue(ValidationCode::input_dtype, idx, n, operand(role, *t), "MATMUL here is FP32 only");
      }
    }
    for (auto [role, z] : {std::pair{"A_zp", az}, {"B_zp", bz}}) {
      const bool zero =
          z->data && z->shape == std::vector<int64_t>{1} &&
          std::all_of(z->data->begin(), z->data->end(), [](uint8_t c) { return c == 0; });
      if (!zero)
        issue(ValidationCode::zero_point, idx, n, operand(role, *z), "must be a [1] constant 0");
    }
    if (a->shape[0] != b->shape[0] || a->shape[2] != b->shape[1]) {
      issue(ValidationCode::contraction_mismatch, idx, n, operand("B", *b),
            "B " + shape_string(b->shape) + " does not fit A " + shape_string(a->shape));
      return;
    }
    const std::vector<int64_t> want = {a->shape[0], a->shape[1], b->shape[2]};
    if (y->shape != want || y->dtype != DType::fp32) {
      issue(ValidationCode::output_shape, idx, n, operand("output", *y),
            "must be FP32 " + shape_string(want));
    }
  }

  const Graph& g_;
  const Target& t_;
  std::vector<ValidationIssue> issues_;
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
    const std::string& k = tokens[i];
    if (k != "FP" && k != "INT") t.extensions.push_back(k);
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
               k == "u55" || k == "blockscale_ue5m3" || k == "EXT-FP8E4M3" || k == "EXT-FP8E5M2") {
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
  // In enum order (tosa_validate.h).
  static constexpr std::string_view kNames[] = {
      "unsupported_op",
      "profile_missing",
      "rank_zero",
      "rank_not_3",
      "block_size",
      "block_misaligned",
      "scale_shape",
      "payload_mismatch",
      "contraction_mismatch",
      "batch_broadcast",
      "input_dtype",
      "output_dtype",
      "scale_dtype",
      "output_shape",
      "add_rank",
      "add_broadcast",
      "reshape_element_count",
      "reshape_shape_operand",
      "transpose_permutation",
      "cast_types",
      "zero_point",
      "extension_mx_payload",
      "extension_e8m0",
      "extension_bf16",
      "conv_rank",
      "conv_shape_operand",
      "conv_pad",
      "conv_stride",
      "conv_dilation",
      "conv_output_size",
      "conv_bias_shape",
      "level_kernel",
      "level_pad",
      "level_stride",
      "extension_mx_conv",
  };
  static_assert(std::size(kNames) == size_t(ValidationCode::extension_mx_conv) + 1);
  return kNames[size_t(c)];
}

std::vector<ValidationIssue> validate_tosa(const Graph& g, const Target& target) {
  std::vector<ValidationIssue> issues = Validator(g, target).run();
  if (!target.fp) {
    issues.insert(issues.begin(),
                  {ValidationCode::profile_missing, -1, "target " + target.text, "profile",
                   "target " + target.text + ": profile: FP is required"});
  }
  return issues;
}

}  // namespace mxconf::pipeline

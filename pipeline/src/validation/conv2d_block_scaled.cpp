// CONV2D_BLOCK_SCALED (conv2d-block-scaled.md): input [N, IH, IW, IC] and weight [OC, KH, KW, IC]
// of one MX payload with E8M0 scales, an FP32 bias [BC], and CONST_SHAPE pad [4], stride [2],
// dilation [2]; output FP32 [N, OH, OW, OC]. Its level limits are in levels.cpp, its extension in
// extensions.cpp.
#include <algorithm>
#include <string>
#include <tuple>

#include "check.h"
#include "mxconf/faults/faults.h"
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::pipeline::validation {
namespace {

enum Operand : size_t {
  kInput,
  kInputScale,
  kWeight,
  kWeightScale,
  kBias,
  kPad,
  kStride,
  kDilation
};

bool operands_present(Check& c) {
  for (size_t i = kInput; i <= kDilation; ++i)
    if (!c.in(i)) return false;
  return c.out(0) != nullptr;
}

// in_t an MX payload, weight_t == in_t, an FP32 bias and output.
bool types(Check& c) {
  const Tensor &x = *c.in(kInput), &w = *c.in(kWeight), &bias = *c.in(kBias), &y = *c.out(0);
  // The payloads are the operator table's column (layer_op(conv2d).payloads), which the
  // generators and the model reader use too: one list of what tosa.xml allows.
  const auto& allowed = layer_op(LayerKind::conv2d).payloads;
  const auto payload = element_type(x.dtype);
  if (mx_payload(c, ValidationCode::input_dtype, "input_data", x) && payload &&
      std::find(allowed.begin(), allowed.end(), *payload) == allowed.end()) {
    std::string listed;
    for (formats::ElementType t : allowed)
      listed += (listed.empty() ? "" : ", ") + std::string(formats::name(t));
    c.issue(ValidationCode::input_dtype, Check::operand("input_data", x),
            std::string(name(x.dtype)) +
                " is not in CONV2D_BLOCK_SCALED's type support (tosa.xml lists " + listed + ")");
  }
  if (x.dtype != w.dtype) {
    c.issue(ValidationCode::payload_mismatch, Check::operand("weight_data", w),
            std::string(name(w.dtype)) + " differs from input_data's " +
                std::string(name(x.dtype)) + " (in_t and weight_t must be the same payload)");
  }
  if (bias.dtype != DType::fp32) {
    c.issue(ValidationCode::input_dtype, Check::operand("bias", bias),
            std::string(name(bias.dtype)) + " is not FP32");
  }
  if (y.dtype != DType::fp32) {
    c.issue(ValidationCode::output_dtype, Check::operand("output", y),
            std::string(name(y.dtype)) + " is not FP32");
  }
  return true;
}

// pad, stride and dilation: CONST_SHAPE results of 4, 2 and 2 values.
bool shape_operands(Check& c) {
  for (auto [role, i, n] : {std::tuple{"pad", kPad, size_t(4)},
                            {"stride", kStride, size_t(2)},
                            {"dilation", kDilation, size_t(2)}}) {
    shape_operand(c, role, *c.in(i), n, ValidationCode::conv_shape_operand,
                  ValidationCode::conv_rank);
  }
  return true;
}

// The tensor operands' ranks: 4, 4, 4, 4, 1 and the output 4.
bool ranks(Check& c) {
  bool ok = true;
  for (auto [role, t, rank] : {std::tuple{"input_data", c.in(kInput), size_t(4)},
                               {"input_scale", c.in(kInputScale), size_t(4)},
                               {"weight_data", c.in(kWeight), size_t(4)},
                               {"weight_scale", c.in(kWeightScale), size_t(4)},
                               {"bias", c.in(kBias), size_t(1)},
                               {"output", c.out(0), size_t(4)}}) {
    if (t->shape.size() != rank) {
      c.issue(ValidationCode::conv_rank, Check::operand(role, *t),
              "rank " + std::to_string(t->shape.size()) + " is not " + std::to_string(rank));
      ok = false;
    }
  }
  return ok;
}

// ERROR_IF(IC % block_size != 0)
bool ic_aligned(Check& c) {
  const Tensor& x = *c.in(kInput);
  if (x.shape[3] % 32 == 0) return true;
  c.issue(ValidationCode::block_misaligned, Check::operand("input_data", x),
          "ERROR_IF(IC % block_size != 0): IC = " + std::to_string(x.shape[3]));
  return false;
}

// The weight's IC is the input's; both scales [.., IC / 32].
bool channels_and_scales(Check& c) {
  const auto &x = c.in(kInput)->shape, &w = c.in(kWeight)->shape;
  const int64_t N = x[0], IH = x[1], IW = x[2], IC = x[3], OC = w[0], KH = w[1], KW = w[2];
  if (w[3] != IC) {
    c.issue(
        ValidationCode::contraction_mismatch, Check::operand("weight_data", *c.in(kWeight)),
        "IC = " + std::to_string(w[3]) + " differs from input_data's IC = " + std::to_string(IC));
  }
  expect_scale_shape(c, "input_scale", *c.in(kInputScale), {N, IH, IW, IC / 32});
  expect_scale_shape(c, "weight_scale", *c.in(kWeightScale), {OC, KH, KW, IC / 32});
  return true;
}

// ERROR_IF(BC != OC && BC != 1)
bool bias_shape(Check& c) {
  const int64_t BC = c.in(kBias)->shape[0], OC = c.in(kWeight)->shape[0];
  if (BC != OC && BC != 1) {
    c.issue(ValidationCode::conv_bias_shape, Check::operand("bias", *c.in(kBias)),
            "ERROR_IF(BC != OC && BC != 1): BC = " + std::to_string(BC) +
                ", OC = " + std::to_string(OC));
  }
  return true;
}

// The rules below read the shape operands' values (shape_operands reported any that are bad).
bool shape_operands_readable(Check& c) {
  return c.produced_by_const_shape(*c.in(kPad)) && shape_values(*c.in(kPad)).size() == 4 &&
         c.produced_by_const_shape(*c.in(kStride)) && shape_values(*c.in(kStride)).size() == 2 &&
         c.produced_by_const_shape(*c.in(kDilation)) && shape_values(*c.in(kDilation)).size() == 2;
}

// ERROR_IF(pad_top < 0 || pad_bottom < 0 || pad_left < 0 || pad_right < 0)
bool pad_non_negative(Check& c) {
  const std::vector<int64_t> p = shape_values(*c.in(kPad));
  const bool right_ok = MXCONF_FAULT(conv_pad_forgets_pad_right) || p[3] >= 0;
  if (p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && right_ok) return true;
  c.issue(ValidationCode::conv_pad, Check::operand("pad", *c.in(kPad)),
          "ERROR_IF(pad_top < 0 || pad_bottom < 0 || pad_left < 0 || pad_right < 0): " +
              shape_string(p));
  return true;
}

// ERROR_IF(stride_y < 1 || stride_x < 1)
bool stride_positive(Check& c) {
  const std::vector<int64_t> s = shape_values(*c.in(kStride));
  if (s[0] >= 1 && s[1] >= 1) return true;
  c.issue(ValidationCode::conv_stride, Check::operand("stride", *c.in(kStride)),
          "ERROR_IF(stride_y < 1 || stride_x < 1): " + shape_string(s));
  return true;
}

// ERROR_IF(dilation_y < 1 || dilation_x < 1)
bool dilation_positive(Check& c) {
  const std::vector<int64_t> d = shape_values(*c.in(kDilation));
  if (d[0] >= 1 && d[1] >= 1) return true;
  c.issue(ValidationCode::conv_dilation, Check::operand("dilation", *c.in(kDilation)),
          "ERROR_IF(dilation_y < 1 || dilation_x < 1): " + shape_string(d));
  return true;
}

// The output size needs pads >= 0 and strides, dilations >= 1 (reported above).
bool geometry_valid(Check& c) {
  const auto p = shape_values(*c.in(kPad)), s = shape_values(*c.in(kStride)),
             d = shape_values(*c.in(kDilation));
  return p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[3] >= 0 && s[0] >= 1 && s[1] >= 1 && d[0] >= 1 &&
         d[1] >= 1;
}

// One axis of ERROR_IF(OH != idiv_check(IH - 1 + pad_top + pad_bottom - (KH - 1) * dilation_y,
// stride_y) + 1): the division must be exact and the result the declared size.
void output_axis(Check& c, const char* what, size_t dim, int64_t in, int64_t pad_a, int64_t pad_b,
                 int64_t k, int64_t dilation, int64_t stride) {
  const Tensor& y = *c.out(0);
  const std::string formula = std::string(what) + " = (" + (dim == 1 ? "IH" : "IW") +
                              " - 1 + pads - (K - 1) * dilation) / stride + 1";
  // The operands are constant data, not declared dims: no load limit bounds them.
  int64_t span = 0, reach = 0;
  if (__builtin_mul_overflow(k - 1, dilation, &reach) ||
      __builtin_add_overflow(in - 1, pad_a, &span) || __builtin_add_overflow(span, pad_b, &span) ||
      __builtin_sub_overflow(span, reach, &span)) {
    c.issue(ValidationCode::conv_output_size, Check::operand("output", y),
            "ERROR_IF(idiv_check fails): " + formula + " overflows int64");
    return;
  }
  if (span < 0 || span % stride != 0) {
    c.issue(ValidationCode::conv_output_size, Check::operand("output", y),
            "ERROR_IF(idiv_check fails): " + formula + " with span " + std::to_string(span) +
                " and stride " + std::to_string(stride) + " is not an exact non-negative division");
    return;
  }
  if (y.shape[dim] != span / stride + 1) {
    c.issue(ValidationCode::conv_output_size, Check::operand("output", y),
            "ERROR_IF(" + std::string(what) + " != " + std::to_string(span / stride + 1) +
                "): " + formula + ", the output has " + std::to_string(y.shape[dim]));
  }
}

// [N, OH, OW, OC] with OH and OW by the formula.
bool output_shape(Check& c) {
  const auto &x = c.in(kInput)->shape, &w = c.in(kWeight)->shape, &y = c.out(0)->shape;
  const auto p = shape_values(*c.in(kPad)), s = shape_values(*c.in(kStride)),
             d = shape_values(*c.in(kDilation));
  output_axis(c, "OH", 1, x[1], p[0], p[1], w[1], d[0], s[0]);
  output_axis(c, "OW", 2, x[2], p[2], p[3], w[2], d[1], s[1]);
  if (y[0] != x[0] || y[3] != w[0]) {
    c.issue(ValidationCode::output_shape, Check::operand("output", *c.out(0)),
            "shape " + shape_string(y) + " must be [N, OH, OW, OC] with N = " +
                std::to_string(x[0]) + ", OC = " + std::to_string(w[0]));
  }
  return true;
}

}  // namespace

const std::vector<Checker>& conv2d_block_scaled_checks() {
  static const std::vector<Checker> k = {
      operands_present,    types,           block_size_is_32,
      shape_operands,      ranks,           ic_aligned,
      channels_and_scales, bias_shape,      shape_operands_readable,
      pad_non_negative,    stride_positive, dilation_positive,
      geometry_valid,      output_shape};
  return k;
}

}  // namespace mxconf::pipeline::validation

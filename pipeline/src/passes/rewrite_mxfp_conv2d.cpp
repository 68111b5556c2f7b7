#include "mxconf/pipeline/passes/rewrite_mxfp_conv2d.h"

#include <algorithm>
#include <utility>

#include "mxconf/faults/faults.h"

namespace mxconf::pipeline {
namespace {

std::string shape_operand(Graph& g, std::vector<Operator>& ops, const std::string& stem,
                          std::vector<int64_t> values) {
  const std::string s = g.add_tensor(make_shape_const(g.unique_name(stem), values));
  ops.push_back({OpKind::const_shape, 75, {}, {s}, {}});
  return s;
}

}  // namespace

void RewriteMxfpConv2d::run(Graph& g) const {
  auto is_conv = [](const Operator& op) {
    return op.op == OpKind::mx_layer && kind_of(op.attrs.layer) == LayerKind::conv2d;
  };
  if (std::none_of(g.ops.begin(), g.ops.end(), is_conv)) return;
  std::vector<Operator> rewritten;
  for (const Operator& op : g.ops) {
    if (!is_conv(op)) {
      rewritten.push_back(op);
      continue;
    }
    // Copies, not references: the tensor list grows below.
    const Tensor x = *g.find(op.inputs[0]);                            // [N, C, H, W], no data
    const std::vector<int64_t> w_shape = g.find(op.inputs[1])->shape;  // [OC, KH, KW, IC]
    const DType payload = g.find(op.inputs[1])->dtype;
    const std::string y_name = op.outputs[0];
    const std::vector<int64_t> y_shape = g.find(y_name)->shape;  // [N, OC, OH, OW]
    const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
    const int64_t oc = w_shape[0];
    const std::string& stem = y_name;

    // 1. NCHW -> NHWC
    const std::string xn =
        g.add_tensor({g.unique_name(stem + ".nhwc_in"), {n, h, w, c}, x.dtype, {}});
    Operator to_nhwc{OpKind::transpose, 61, {x.name}, {xn}, {}};
    to_nhwc.attrs.perms = {0, 2, 3, 1};
    rewritten.push_back(to_nhwc);
    // 2. CAST_TO_BLOCK_SCALED along C
    const std::string xq = g.add_tensor({g.unique_name(stem + ".xq"), {n, h, w, c}, payload, {}});
    const std::string xs =
        g.add_tensor({g.unique_name(stem + ".xs"), {n, h, w, c / 32}, DType::fp8ue8m0, {}});
    Operator cast{OpKind::cast_to_block_scaled, 78, {xn}, {xq, xs}, {}};
    cast.attrs.block_size = 32;
    rewritten.push_back(cast);
    // 3. The bias operand: the layer's, or a zero [OC] constant.
    std::string bias;
    if (op.inputs.size() > 3) {
      bias = op.inputs[3];
    } else {
      bias = g.add_tensor(make_const(g.unique_name(stem + ".zero_bias"), DType::fp32, {oc},
                                     std::vector<uint8_t>(size_t(oc) * 4, 0)));
      rewritten.push_back({OpKind::const_tensor, 67, {}, {bias}, {}});
    }
    const Conv2dGeom& a = std::get<Conv2dGeom>(op.attrs.layer);
    const std::string pad =
        shape_operand(g, rewritten, stem + ".pad", {a.pad[0], a.pad[1], a.pad[2], a.pad[3]});
    std::string stride = shape_operand(g, rewritten, stem + ".stride", {a.stride[0], a.stride[1]});
    std::string dilation =
        shape_operand(g, rewritten, stem + ".dilation", {a.dilation[0], a.dilation[1]});
    if (MXCONF_FAULT(conv_stride_dilation_swapped)) std::swap(stride, dilation);
    // 4. CONV2D_BLOCK_SCALED -> [N, OH, OW, OC]
    const int64_t oh = y_shape[2], ow = y_shape[3];
    const std::string yn =
        g.add_tensor({g.unique_name(stem + ".nhwc_out"), {n, oh, ow, oc}, DType::fp32, {}});
    Operator conv{OpKind::conv2d_block_scaled,
                  94,
                  {xq, xs, op.inputs[1], op.inputs[2], bias, pad, stride, dilation},
                  {yn},
                  {}};
    conv.attrs.block_size = 32;
    rewritten.push_back(conv);
    // 5. NHWC -> NCHW
    Operator to_nchw{OpKind::transpose, 61, {yn}, {y_name}, {}};
    to_nchw.attrs.perms = {0, 3, 1, 2};
    rewritten.push_back(to_nchw);
  }
  g.ops = std::move(rewritten);
}

}  // namespace mxconf::pipeline

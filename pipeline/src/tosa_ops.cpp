#include "mxconf/pipeline/tosa_ops.h"

namespace mxconf::pipeline {
namespace {

constexpr TosaOpInfo kOps[] = {
    {OpKind::matmul, "MATMUL", 4, 1, AttrKind::none},  // A, B, A_zp, B_zp
    {OpKind::add, "ADD", 2, 1, AttrKind::none},
    {OpKind::reshape, "RESHAPE", 2, 1, AttrKind::none},  // input1, shape
    {OpKind::transpose, "TRANSPOSE", 1, 1, AttrKind::perms},
    {OpKind::cast, "CAST", 1, 1, AttrKind::none},
    {OpKind::const_tensor, "CONST", 0, 1, AttrKind::none},
    {OpKind::const_shape, "CONST_SHAPE", 0, 1, AttrKind::none},
    // A_data, A_scale, B_data, B_scale
    {OpKind::matmul_t_block_scaled, "MATMUL_T_BLOCK_SCALED", 4, 1, AttrKind::block_size},
    {OpKind::cast_from_block_scaled, "CAST_FROM_BLOCK_SCALED", 2, 1, AttrKind::block_size},
    {OpKind::cast_to_block_scaled, "CAST_TO_BLOCK_SCALED", 1, 2, AttrKind::block_size},
    // input, input_scale, weight, weight_scale, bias, pad, stride, dilation
    {OpKind::conv2d_block_scaled, "CONV2D_BLOCK_SCALED", 8, 1, AttrKind::block_size},
    // Tensor lists (tosa.xml at cd5acdd, l.3035 and l.3516): values (, scales), then the rest.
    // input (, input_scale), new_shape -> output (, output_scale)
    {OpKind::reshape_block_scaled, "RESHAPE_BLOCK_SCALED", -1, -1, AttrKind::block_size},
    // values (, values_scale), indices, row_count -> output (, output_scale)
    {OpKind::row_gather_block_scaled, "ROW_GATHER_BLOCK_SCALED", -1, -1, AttrKind::block_size},
    // x, W (, bias) before QuantizeWeights; x, Wq, Ws (, bias) after
    {OpKind::layer, "mxconf.LAYER", -1, 1, AttrKind::none},
    {OpKind::mx_layer, "mxconf.MX_LAYER", -1, 1, AttrKind::none},
};

}  // namespace

const TosaOpInfo* op_info(OpKind op) {
  for (const TosaOpInfo& i : kOps) {
    if (i.op == op) return &i;
  }
  return nullptr;
}

}  // namespace mxconf::pipeline

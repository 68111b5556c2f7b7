#include "mxconf/pipeline/passes/rewrite_mxfp_linear.h"

#include <utility>

#include "mxconf/faults/faults.h"

namespace mxconf::pipeline {
namespace {

// Emits CONST_SHAPE + RESHAPE of `in` to `shape`, writing `out`.
void reshape(Graph& g, std::vector<Operator>& ops, const std::string& in, const std::string& out,
             const std::vector<int64_t>& shape) {
  const std::string s = g.add_tensor(make_shape_const(g.unique_name(out + ".shape"), shape));
  ops.push_back({OpKind::const_shape, 75, {}, {s}, {}});
  ops.push_back({OpKind::reshape, 57, {in, s}, {out}, {}});
}

}  // namespace

void RewriteMxfpLinear::run(Graph& g) const {
  std::vector<Operator> rewritten;
  for (const Operator& op : g.ops) {
    if (op.op != OpKind::mx_layer || kind_of(op.attrs.layer) != LayerKind::linear) {
      rewritten.push_back(op);
      continue;
    }
    // Copies of names and shapes only: the tensor list grows below, and constants are large.
    const Tensor* xp = g.find(op.inputs[0]);
    const std::string x_name = xp->name;
    const DType x_dtype = xp->dtype;
    const std::vector<int64_t> x_shape = xp->shape;
    const int64_t k = xp->shape.back();
    const int64_t rows = xp->element_count() / k;  // product of leading dims; 1 for rank 1
    // [batch, m, K]: batch 1 unless batched and the input has leading dims beyond [S, K].
    const int64_t batch = batched_ && xp->shape.size() >= 3 ? rows / xp->shape.end()[-2] : 1;
    const int64_t m = rows / batch;
    const DType payload = g.find(op.inputs[1])->dtype;
    const int64_t n = g.find(op.inputs[1])->shape[1];
    const std::string y_name = op.outputs[0];
    const std::vector<int64_t> y_shape = g.find(y_name)->shape;
    const std::string stem = y_name;

    // 1. [..., K] -> [batch, M, K]; 2. CAST_TO_BLOCK_SCALED -> data (payload) and scale (E8M0),
    // in that order. Or: 2 first, in the input's shape, then 1 with RESHAPE_BLOCK_SCALED.
    const std::string xq = g.add_tensor({g.unique_name(stem + ".xq"), {batch, m, k}, payload, {}});
    const std::string xs =
        g.add_tensor({g.unique_name(stem + ".xs"), {batch, m, k / 32}, DType::fp8ue8m0, {}});
    if (reshape_after_cast_) {
      std::vector<int64_t> in_scale = x_shape;
      in_scale.back() /= 32;
      const std::string q = g.add_tensor({g.unique_name(stem + ".q"), x_shape, payload, {}});
      const std::string s =
          g.add_tensor({g.unique_name(stem + ".s"), in_scale, DType::fp8ue8m0, {}});
      Operator cast{OpKind::cast_to_block_scaled, 78, {x_name}, {q, s}, {}};
      cast.attrs.block_size = 32;
      rewritten.push_back(cast);
      const std::string shape =
          g.add_tensor(make_shape_const(g.unique_name(stem + ".xq.shape"), {batch, m, k}));
      rewritten.push_back({OpKind::const_shape, 75, {}, {shape}, {}});
      Operator move{OpKind::reshape_block_scaled, 97, {q, s, shape}, {xq, xs}, {}};
      move.attrs.block_size = 32;
      rewritten.push_back(move);
    } else {
      const std::string x3 =
          g.add_tensor({g.unique_name(stem + ".x3"), {batch, m, k}, x_dtype, {}});
      reshape(g, rewritten, x_name, x3, {batch, m, k});
      Operator cast{OpKind::cast_to_block_scaled, 78, {x3}, {xq, xs}, {}};
      cast.attrs.block_size = 32;
      rewritten.push_back(cast);
    }
    // 3. MATMUL_T_BLOCK_SCALED(A = activation, B = weights as they are, D = 1) -> [batch, M, N]
    const std::string y3 =
        g.add_tensor({g.unique_name(stem + ".y3"), {batch, m, n}, DType::fp32, {}});
    Operator mm{OpKind::matmul_t_block_scaled, 76, {xq, xs, op.inputs[1], op.inputs[2]}, {y3}, {}};
    if (MXCONF_FAULT(swap_scales)) std::swap(mm.inputs[1], mm.inputs[3]);
    mm.attrs.block_size = 32;
    rewritten.push_back(mm);
    // 4. [batch, M, N] -> [..., N]; 5. bias: RESHAPE to the output rank, then ADD (fp32).
    if (op.inputs.size() < 4) {
      reshape(g, rewritten, y3, y_name, y_shape);
      continue;
    }
    const std::string yr = g.add_tensor({g.unique_name(stem + ".mm"), y_shape, DType::fp32, {}});
    reshape(g, rewritten, y3, yr, y_shape);
    std::string bias = op.inputs[3];
    if (y_shape.size() > 1 && !MXCONF_FAULT(dropped_bias_broadcast)) {
      std::vector<int64_t> bshape(y_shape.size(), 1);
      bshape.back() = n;
      const std::string br = g.add_tensor({g.unique_name(stem + ".bias"), bshape, DType::fp32, {}});
      reshape(g, rewritten, bias, br, bshape);
      bias = br;
    }
    rewritten.push_back({OpKind::add, 15, {yr, bias}, {y_name}, {}});
  }
  g.ops = std::move(rewritten);
}

}  // namespace mxconf::pipeline

// The judge's own table of layer operators: what the oracle needs to know of each operator (the
// dot product's length KS, the output shape, where the graph holds the layer's weights, and the
// layer's reference values), one row each. Written apart from pipeline/'s operator table
// (pipeline/layer_ops.h) on purpose: it reads a model's geometry (data) but never the
// pipeline's functions, so a mistake in the pipeline's table (a wrong fan-in, a wrong OHWI order,
// a wrong output size) changes what mxconf lowers without changing what the judge expects.
// Offers LayerExpectation, JudgeOp and judge_op.
#pragma once

#include <cstdint>
#include <vector>

#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/dot_reference.h"
#include "mxconf/oracles/format_model.h"
#include "mxconf/oracles/intervals.h"
#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/layer_geometry.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/types.h"

namespace mxconf::runner {

// What the oracle expects of one layer. Shapes and values in the model's logical layout, except
// the casts and constants, which are in the layout the TOSA operator reads them (blocks along K).
struct LayerExpectation {
  std::vector<int64_t> in_shape, out_shape;
  std::vector<float> input;                // the values the layer reads
  std::vector<uint8_t> x_codes, x_scales;  // its activation cast, under the case's cast rule
  std::vector<uint8_t> w_codes, w_scales;  // its weight constants, each output's KS in sum order
  std::vector<float> pseudocode;           // its fp32 result in pseudocode order: bit-exact
  // Per output, the block-scaled operator's own exact value and DOT_PRODUCT bnd (empty when only
  // tier (a) is judged), and a constant the graph adds after it in fp32 (a linear layer's bias
  // ADD; empty when none).
  std::vector<double> exact, bound;
  std::vector<float> add_after;
  // For a row that is not a dot product (an embedding's gather and CAST_FROM_BLOCK_SCALED): what
  // its operators' own criteria allow per output (logical), in place of exact and bound.
  std::vector<oracles::Interval> allowed;
};

// One layer's reference, asked of a row.
struct LayerCall {
  const oracles::FormatSpec& format;  // the layer's payload
  oracles::ScalePolicy activation_rule, weight_rule;
  const pipeline::LayerGeometry& geometry;
  const std::vector<int64_t>& in_shape;  // logical
  const std::vector<float>& x;           // logical
  const std::vector<float>& w;           // the weights as the model gives them (torch's shape)
  const std::vector<float>& bias;        // empty: none
  bool bit_exact_only = false;
};

struct JudgeOp {
  pipeline::LayerKind kind;
  // The graph operator that takes the layer's weights, as operands weight_operand (payload) and
  // weight_operand + 1 (scales): 2 for MATMUL_T_BLOCK_SCALED and CONV2D_BLOCK_SCALED, 0 for
  // ROW_GATHER_BLOCK_SCALED.
  pipeline::OpKind tosa_op;
  size_t weight_operand;
  // Whether the operator is a dot product judged by DOT_PRODUCT (appendix A's data sets, op by
  // op, the fidelity tier); an embedding is not.
  bool dot_product;
  int64_t (*ks)(const pipeline::LayerGeometry&);         // each output's dot product length
  int64_t (*out_width)(const pipeline::LayerGeometry&);  // N, OC, or D
  // The weights the model gives: N * K, OC * IC * KH * KW, V * D.
  int64_t (*weight_count)(const pipeline::LayerGeometry&);
  // The logical output shape; throws std::invalid_argument when the layer cannot read `input`.
  std::vector<int64_t> (*output_shape)(const std::vector<int64_t>& input,
                                       const pipeline::LayerGeometry&);
  LayerExpectation (*reference)(const LayerCall&);
  // What the layer may output (logical) for inputs anywhere in `in` (logical), when its operators
  // meet their TOSA criteria (oracles/intervals.h); `self` is the layer's own expectation (its
  // weight constants).
  std::vector<oracles::Interval> (*propagate)(const LayerCall&, const LayerExpectation& self,
                                              const std::vector<oracles::Interval>& in);
  // The operator alone (op by op): its DOT_PRODUCT reference for a one-op graph (op_by_op.h) fed
  // `input` (the values its cast reads), the cast under `cast_rule`, the weights as the graph's
  // constants hold them; `ks` gets the dot product's length. Throws std::invalid_argument for a
  // graph the row cannot read.
  oracles::DotReference (*alone)(oracles::ScalePolicy cast_rule, const pipeline::Graph& one_op,
                                 const std::vector<float>& input, int64_t& ks);
  // The unquantized layer in double, each output rounded to fp32 (the fidelity reference; any
  // summation order will do). Logical layouts.
  std::vector<double> (*fp32)(const std::vector<int64_t>& in_shape, const pipeline::LayerGeometry&,
                              const std::vector<double>& x, const std::vector<float>& w,
                              const std::vector<float>& bias);
};

const JudgeOp& judge_op(pipeline::LayerKind k);
// The row whose operator is `op` (MATMUL_T_BLOCK_SCALED, CONV2D_BLOCK_SCALED), or null.
const JudgeOp* judge_op_for(pipeline::OpKind op);

// A one-op graph's operands as the judge reads them: the op (its last operator), a tensor's
// payload format, and its constant codes or bytes. Throw std::invalid_argument when missing.
const pipeline::Operator& alone_op(const pipeline::Graph& g);
const oracles::FormatSpec& payload_format(const pipeline::Tensor& t);
std::vector<uint8_t> constant_codes(const pipeline::Graph& g, const std::string& name);
std::vector<uint8_t> constant_bytes(const pipeline::Graph& g, const std::string& name);

// ksb of a layer's operator: KS + 1, literally (tosa_reference_check_dotproduct.tosac line 32 at
// cd5acdd: bias_abs is clamped to normal_min, so max_value(bias_abs) > 0 always; an op without a
// bias takes a zero one, introduction.adoc line 605).
int64_t ksb(const pipeline::LayerSpec& l);
// The DOT_PRODUCT bounds (MX relaxation, fp32 output) of a layer's operator.
oracles::DotProductBounds layer_bounds(const pipeline::LayerSpec& l);
// What a layer whose operator reads exactly the oracle's casts may output: its DOT_PRODUCT
// interval per output (logical), then its ADD after, if any.
std::vector<oracles::Interval> first_layer_intervals(const pipeline::LayerSpec& l,
                                                     const LayerExpectation& e);

}  // namespace mxconf::runner

#include "mxconf/pipeline/lower.h"

#include <algorithm>
#include <cstring>

#include "mxconf/pipeline/layer_ops.h"

#include "mxconf/pipeline/passes/eliminate_dead_code.h"
#include "mxconf/pipeline/passes/fold_transposes.h"
#include "mxconf/pipeline/passes/normalize_io_layout.h"
#include "mxconf/pipeline/passes/quantize_weights.h"

namespace mxconf::pipeline {
namespace {

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

Graph import_model(const ModelSpec& m, const std::string& base_dir) {
  Graph g;
  g.add_tensor({m.input.name, m.input.shape, m.input.dtype, std::nullopt});
  g.inputs = {m.input.name};
  if (!m.input.dim_order.empty()) g.io_dim_order[m.input.name] = m.input.dim_order;

  std::string current = m.input.name;
  std::vector<int64_t> shape = m.input.shape;
  const std::vector<std::vector<int64_t>> shapes = layer_output_shapes(m);
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const LayerSpec& l = m.layers[i];
    const std::string stem = "layer" + std::to_string(i);
    const bool last = i + 1 == m.layers.size();
    const std::string w = g.add_tensor(make_const(stem + ".weight", DType::fp32,
                                                  layer_op(l.geometry).weight_shape(l.geometry),
                                                  layer_weight_bytes(l, i, base_dir)));
    g.ops.push_back({OpKind::const_tensor, 67, {}, {w}, {}});
    std::vector<std::string> inputs = {current, w};
    if (l.bias) {
      const std::string b = g.add_tensor(make_const(stem + ".bias", DType::fp32, {l.out_width()},
                                                    float_bytes(layer_bias(l, i, base_dir))));
      g.ops.push_back({OpKind::const_tensor, 67, {}, {b}, {}});
      inputs.push_back(b);
    }
    shape = shapes[i];
    const std::string out = (last && m.output.dtype == DType::fp32) ? m.output.name : stem + ".out";
    g.add_tensor({out, shape, DType::fp32, std::nullopt});
    Operator op{OpKind::layer, uint32_t(OpKind::layer), inputs, {out}, {}};
    op.attrs.layer = l.geometry;
    op.attrs.payload = l.payload;
    op.attrs.weight_scale_rule = l.weight_scale_rule;
    g.ops.push_back(op);
    current = out;
  }
  if (m.output.dtype == DType::bf16) {
    g.add_tensor({m.output.name, shape, DType::bf16, std::nullopt});
    g.ops.push_back({OpKind::cast, 65, {current}, {m.output.name}, {}});
  }
  g.outputs = {m.output.name};
  if (!m.output.dim_order.empty()) g.io_dim_order[m.output.name] = m.output.dim_order;
  return g;
}

std::string default_target_text(const ModelSpec& m) {
  std::string t = "TOSA-1.1+FP+mxfp";
  std::vector<std::string_view> added;  // each operator's own extension once
  for (const LayerSpec& l : m.layers) {
    const std::string_view ext = layer_op(l.geometry).extension;
    if (ext.empty() || std::find(added.begin(), added.end(), ext) != added.end()) continue;
    added.push_back(ext);
    t += '+';
    t += ext;
  }
  if (m.input.dtype == DType::bf16 || m.output.dtype == DType::bf16) t += "+bf16";
  return t;
}

PassManager standard_pipeline(const LowerOptions& opts) {
  PassManager pm;
  pm.add(std::make_unique<QuantizeWeights>()).add(std::make_unique<NormalizeIoLayout>());
  for (LayerKind k : kAllLayerKinds) pm.add(layer_op(k).rewrite(opts));
  if (opts.fold_transposes) pm.add(std::make_unique<FoldTransposes>());
  pm.add(std::make_unique<EliminateDeadCode>());
  return pm;
}

Graph lower_model(const ModelSpec& m, const std::string& base_dir, const LowerOptions& opts) {
  Graph g = import_model(m, base_dir);
  standard_pipeline(opts).run(g);
  return g;
}

}  // namespace mxconf::pipeline

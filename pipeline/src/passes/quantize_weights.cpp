#include "mxconf/pipeline/passes/quantize_weights.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "mxconf/faults/faults.h"
#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/packing.h"
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::pipeline {
namespace {

// The logical fp32 weight bytes in the operator's contraction order [outputs, KS]: each output's
// KS values in the order the op sums them (for conv2d, torch's OIHW becomes OHWI: tap by tap with
// IC contiguous, the order in which CONV2D_BLOCK_SCALED takes its blocks).
std::vector<uint8_t> contraction_order(const LayerOp& row, const LayerGeometry& g,
                                       const std::vector<uint8_t>& w) {
  if (MXCONF_FAULT(conv_weight_oihw_as_ohwi)) return w;
  const int64_t outs = row.out_width(g), ks = row.fan_in(g);
  std::vector<uint8_t> out(w.size());
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t k = 0; k < ks; ++k)
      std::memcpy(&out[size_t((o * ks + k) * 4)], &w[row.contraction_offset(g, o, k) * 4], 4);
  return out;
}

}  // namespace

void QuantizeWeights::run(Graph& g) const {
  std::vector<Operator> new_consts;
  for (Operator& op : g.ops) {
    if (op.op != OpKind::layer) continue;
    const LayerGeometry& geometry = op.attrs.layer;
    const LayerOp& row = layer_op(geometry);
    const Tensor& w = *g.find(op.inputs[1]);
    const std::string w_name = w.name;  // `w` dangles once tensors are added below
    auto refuse = [&](const std::string& why) {
      throw PassError(std::string(name()), {}, "QuantizeWeights: weight '" + w_name + "' " + why);
    };
    const std::vector<int64_t> logical = row.weight_shape(geometry);
    if (w.shape != logical || w.dtype != DType::fp32 || !w.data)
      refuse("is not constant fp32 " + shape_string(logical));
    // The weights run in blocks along the stored constant's last axis (K, IC, or D); `outs` rows
    // of KS values each in the order the op reads them (an embedding: V*D rows of one value).
    const std::vector<int64_t> stored = row.stored_weight_shape(geometry);
    if (stored.back() % 32 != 0) {
      refuse("has blocks along an axis of " + std::to_string(stored.back()) +
             ", not a multiple of 32");
    }
    const int64_t ks = row.fan_in(geometry), outs = int64_t(w.data->size() / 4) / ks;
    const formats::ElementType payload = op.attrs.payload;
    const formats::ScaleRule rule = op.attrs.weight_scale_rule;

    // Mutation score: the weight's [KS, outputs] data read as [outputs, KS], swapped in here.
    std::vector<uint8_t> moved;
    if (MXCONF_FAULT(transposed_weight)) moved = faults::read_as_transposed(*w.data, outs, ks, 4);
    if (row.contraction_offset)
      moved = contraction_order(row, geometry, moved.empty() ? *w.data : moved);
    const uint8_t* src = moved.empty() ? w.data->data() : moved.data();

    // In 16 KiB chunks straight from the constant's bytes: no fp32 copy of a weight already in
    // contraction order.
    const size_t count = size_t(outs * ks);
    std::vector<uint8_t> codes(count), scales(count / 32);
    constexpr size_t kChunk = 4096;  // floats, a multiple of 32
    float chunk[kChunk];
    for (size_t at = 0; at < count; at += kChunk) {
      const size_t len = std::min(kChunk, count - at);
      std::memcpy(chunk, src + at * 4, len * 4);
      formats::cast_to_block_scaled(payload, rule, std::span<const float>(chunk, len),
                                    std::span(codes).subspan(at, len),
                                    std::span(scales).subspan(at / 32, len / 32));
    }
    std::vector<int64_t> scale_shape = stored;
    scale_shape.back() /= 32;
    const std::string wq = g.unique_name(w_name + ".q");
    g.add_tensor(make_const(wq, dtype_of(payload), stored, formats::pack(payload, codes)));
    const std::string ws = g.unique_name(w_name + ".scale");
    g.add_tensor(make_const(ws, DType::fp8ue8m0, scale_shape, std::move(scales)));
    new_consts.push_back({OpKind::const_tensor, 67, {}, {wq}, {}});
    new_consts.push_back({OpKind::const_tensor, 67, {}, {ws}, {}});

    std::vector<std::string> inputs = {op.inputs[0], wq, ws};
    if (op.inputs.size() > 2) inputs.push_back(op.inputs[2]);  // the fp32 bias stays as it is
    op.inputs = std::move(inputs);
    op.op = OpKind::mx_layer;
    op.raw_op = uint32_t(OpKind::mx_layer);
  }
  // Constants first: the op list stays in topological order. The fp32 weights are now dead.
  g.ops.insert(g.ops.begin(), new_consts.begin(), new_consts.end());
}

}  // namespace mxconf::pipeline

#include "mxconf/pipeline/passes/quantize_weights.h"

#include "mxconf/faults/faults.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/packing.h"

namespace mxconf::pipeline {

namespace {

// torch's [OC, IC, KH, KW] fp32 bytes as OHWI [OC, KH, KW, IC]: each output row then runs tap by
// tap with IC contiguous, the order in which CONV2D_BLOCK_SCALED takes its blocks.
std::vector<uint8_t> oihw_to_ohwi(const std::vector<uint8_t>& w, int64_t oc, int64_t ic, int64_t kh,
                                  int64_t kw) {
  if (MXCONF_FAULT(conv_weight_oihw_as_ohwi)) return w;
  std::vector<uint8_t> out(w.size());
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t i = 0; i < ic; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          std::memcpy(&out[size_t((((o * kh + y) * kw + x) * ic + i) * 4)],
                      &w[size_t((((o * ic + i) * kh + y) * kw + x) * 4)], 4);
  return out;
}

}  // namespace

void QuantizeWeights::run(Graph& g) const {
  std::vector<Operator> new_consts;
  for (Operator& op : g.ops) {
    if (op.op == OpKind::conv2d) {
      quantize_conv(g, op, new_consts);
      continue;
    }
    if (op.op != OpKind::linear) continue;
    const Tensor& w = *g.find(op.inputs[1]);
    const std::string w_name = w.name;  // `w` dangles once tensors are added below
    auto refuse = [&](const std::string& why) {
      throw PassError(std::string(name()), {}, "QuantizeWeights: weight '" + w_name + "' " + why);
    };
    if (w.shape.size() != 2 || w.dtype != DType::fp32 || !w.data)
      refuse("is not constant fp32 [N, K]");
    const int64_t n = w.shape[0], k = w.shape[1];
    if (k % 32 != 0) refuse("has K = " + std::to_string(k) + ", not a multiple of 32");
    const formats::ElementType payload = op.attrs.payload;
    const formats::ScaleRule rule = op.attrs.weight_scale_rule;

    // In 16 KiB chunks straight from the constant's bytes: no fp32 copy of the whole weight.
    const size_t count = size_t(n * k);
    std::vector<uint8_t> codes(count), scales(count / 32);
    constexpr size_t kChunk = 4096;  // floats, a multiple of 32
    float chunk[kChunk];
    // Mutation score: the weight's [K, N] data read as [N, K], swapped in at this one point.
    const std::vector<uint8_t> faulty = MXCONF_FAULT(transposed_weight)
                                            ? faults::read_as_transposed(*w.data, n, k, 4)
                                            : std::vector<uint8_t>{};
    const uint8_t* src = faulty.empty() ? w.data->data() : faulty.data();
    for (size_t at = 0; at < count; at += kChunk) {
      const size_t len = std::min(kChunk, count - at);
      std::memcpy(chunk, src + at * 4, len * 4);
      formats::cast_to_block_scaled(payload, rule, std::span<const float>(chunk, len),
                                    std::span(codes).subspan(at, len),
                                    std::span(scales).subspan(at / 32, len / 32));
    }
    const std::string wq = g.unique_name(w_name + ".q");
    g.add_tensor(make_const(wq, dtype_of(payload), {1, n, k}, formats::pack(payload, codes)));
    const std::string ws = g.unique_name(w_name + ".scale");
    g.add_tensor(make_const(ws, DType::fp8ue8m0, {1, n, k / 32}, std::move(scales)));
    new_consts.push_back({OpKind::const_tensor, 67, {}, {wq}, {}});
    new_consts.push_back({OpKind::const_tensor, 67, {}, {ws}, {}});

    std::vector<std::string> inputs = {op.inputs[0], wq, ws};
    if (op.inputs.size() > 2) inputs.push_back(op.inputs[2]);  // the fp32 bias stays as it is
    op.inputs = std::move(inputs);
    op.op = OpKind::mxfp_linear;
  }
  // Constants first: the op list stays in topological order. The fp32 weights are now dead.
  g.ops.insert(g.ops.begin(), new_consts.begin(), new_consts.end());
}

}  // namespace mxconf::pipeline

namespace mxconf::pipeline {

void QuantizeWeights::quantize_conv(Graph& g, Operator& op, std::vector<Operator>& consts) const {
  const Tensor& w = *g.find(op.inputs[1]);
  const std::string w_name = w.name;
  if (w.shape.size() != 4 || w.dtype != DType::fp32 || !w.data) {
    throw PassError(
        std::string(name()), {},
        "QuantizeWeights: weight '" + w_name + "' is not constant fp32 [OC, IC, KH, KW]");
  }
  const int64_t oc = w.shape[0], ic = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  if (ic % 32 != 0) {
    throw PassError(std::string(name()), {},
                    "QuantizeWeights: weight '" + w_name + "' has IC = " + std::to_string(ic) +
                        ", not a multiple of 32");
  }
  const std::vector<uint8_t> ohwi = oihw_to_ohwi(*w.data, oc, ic, kh, kw);
  const size_t count = ohwi.size() / 4;
  std::vector<float> values(count);
  std::memcpy(values.data(), ohwi.data(), ohwi.size());
  std::vector<uint8_t> codes(count), scales(count / 32);
  formats::cast_to_block_scaled(op.attrs.payload, op.attrs.weight_scale_rule, values, codes,
                                scales);
  const std::string wq = g.unique_name(w_name + ".q");
  g.add_tensor(make_const(wq, dtype_of(op.attrs.payload), {oc, kh, kw, ic},
                          formats::pack(op.attrs.payload, codes)));
  const std::string ws = g.unique_name(w_name + ".scale");
  g.add_tensor(make_const(ws, DType::fp8ue8m0, {oc, kh, kw, ic / 32}, std::move(scales)));
  consts.push_back({OpKind::const_tensor, 67, {}, {wq}, {}});
  consts.push_back({OpKind::const_tensor, 67, {}, {ws}, {}});
  std::vector<std::string> inputs = {op.inputs[0], wq, ws};
  if (op.inputs.size() > 2) inputs.push_back(op.inputs[2]);
  op.inputs = std::move(inputs);
  op.op = OpKind::mxfp_conv2d;
}

}  // namespace mxconf::pipeline

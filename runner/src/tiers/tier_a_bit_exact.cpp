// Tier (a), bit-exact: the outputs equal the oracle's pseudocode-order reference, each activation
// cast's scales and codes equal the oracle's, and the weight constants of the graph (decoded with
// the oracle's own unpacker) equal the oracle's quantization of the weights it built itself.
#include <algorithm>
#include <bit>
#include <cmath>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/packing.h"
#include "tier_functions.h"

namespace mxconf::runner {
namespace {

constexpr size_t kMaxDifferences = 8;

bool same_bits(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

// Ordered distance between two fp32 values in ulps (-0 == +0).
uint64_t ulp_distance(float a, float b) {
  auto ordered = [](float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    return (u & 0x80000000u) ? int64_t(0) - int64_t(u & 0x7FFFFFFFu) : int64_t(u);
  };
  const int64_t d = ordered(a) - ordered(b);
  return uint64_t(d < 0 ? -d : d);
}

// Blocks of 32 (codes + one scale) that differ; the first one described in `first`.
size_t block_mismatches(std::span<const uint8_t> codes, std::span<const uint8_t> scales,
                        std::span<const uint8_t> want_codes, std::span<const uint8_t> want_scales,
                        const std::string& where, std::string& first, bool& scale_differs) {
  size_t bad_blocks = 0;
  for (size_t b = 0; b < scales.size(); ++b) {
    scale_differs |= scales[b] != want_scales[b];
    size_t bad_code = 32;  // the first differing element of the block, 32 for none
    for (size_t i = 0; i < 32 && bad_code == 32; ++i)
      if (codes[b * 32 + i] != want_codes[b * 32 + i]) bad_code = i;
    if (scales[b] == want_scales[b] && bad_code == 32) continue;
    if (bad_blocks++ > 0) continue;
    first = where + " block " + std::to_string(b) + ": scale " + std::to_string(scales[b]) +
            " vs oracle " + std::to_string(want_scales[b]);
    if (bad_code < 32) {
      first += ", element " + std::to_string(b * 32 + bad_code) + " code " +
               std::to_string(codes[b * 32 + bad_code]) + " vs oracle " +
               std::to_string(want_codes[b * 32 + bad_code]);
    }
  }
  return bad_blocks;
}

void compare_outputs(const Observation& seen, const Expected& want, BitExactResult& a) {
  const auto& ref = want.oracle.pseudocode;
  // bf16 outputs are compared as widened fp32 values: 2^16 fp32 ulps are one bf16 ulp.
  const int ulp_shift = want.data.model.output.dtype == pipeline::DType::bf16 ? 16 : 0;
  a.outputs = ref.size();
  for (size_t i = 0; i < seen.output.size() && i < ref.size(); ++i) {
    if (same_bits(seen.output[i], ref[i])) continue;
    if (std::isnan(seen.output[i]) != std::isnan(ref[i])) {
      a.nan_mismatch = true;
    } else {
      a.max_ulp = std::max(a.max_ulp, ulp_distance(seen.output[i], ref[i]) >> ulp_shift);
    }
    if (a.output_mismatches++ == 0) a.first = ElementDiff{int64_t(i), ref[i], seen.output[i]};
    if (want.keep_details && a.differences.size() < kMaxDifferences)
      a.differences.push_back({int64_t(i), ref[i], seen.output[i]});
  }
  if (seen.output.size() != ref.size())
    a.output_mismatches = std::max<size_t>(a.output_mismatches, 1);
}

void compare_casts(const Observation& seen, const Expected& want, BitExactResult& a) {
  a.casts_observed = seen.casts_observed;
  const auto& layers = want.oracle.layers;
  for (size_t l = 0; l < seen.casts.size() && l < layers.size(); ++l) {
    std::string first;
    a.cast_block_mismatches += block_mismatches(
        seen.casts[l].codes, seen.casts[l].scales, layers[l].x_codes, layers[l].x_scales,
        "layer " + std::to_string(l), first, a.cast_scale_mismatch);
    if (a.first_cast.empty()) a.first_cast = first;
  }
  // One cast per layer that casts its input (an embedding reads indices and casts nothing).
  size_t casting = 0;
  for (const LayerExpectation& l : layers) casting += !l.x_scales.empty();
  a.casts_complete = !seen.casts_observed || seen.casts.size() == casting;
}

// The constant weight operands of the graph ops that take each layer's weights, one per layer in
// order. The judge's table names the ops and where their weights sit: inputs 2 and 3 of
// MATMUL_T_BLOCK_SCALED and CONV2D_BLOCK_SCALED, 0 and 1 of ROW_GATHER_BLOCK_SCALED.
void compare_constants(const Observation& seen, const Expected& want, BitExactResult& a) {
  const auto& layers = want.data.model.layers;
  std::vector<const pipeline::Operator*> matmuls;
  if (seen.graph) {
    for (const auto& op : seen.graph->ops) {
      const JudgeOp* row = judge_op_for(op.op);  // null: not an op that takes weights
      if (row && op.inputs.size() >= row->weight_operand + 2) matmuls.push_back(&op);
    }
  }
  a.constants_observed = seen.graph.has_value() && matmuls.size() == layers.size();
  for (size_t l = 0; a.constants_observed && l < layers.size(); ++l)
    a.constants_observed = matmuls[l]->op == judge_op(layers[l].kind()).tosa_op;
  if (!a.constants_observed) return;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t at = judge_op(layers[l].kind()).weight_operand;
    const pipeline::Tensor* q = seen.graph->find(matmuls[l]->inputs[at]);
    const pipeline::Tensor* s = seen.graph->find(matmuls[l]->inputs[at + 1]);
    if (q == nullptr || s == nullptr || !q->data || !s->data) {
      a.constants_observed = false;  // weights computed in the graph: nothing to compare here
      return;
    }
    const std::string where = "layer " + std::to_string(l) + " weights";
    const auto& want_codes = want.oracle.layers[l].w_codes;
    const auto& want_scales = want.oracle.layers[l].w_scales;
    const size_t blocks = want_scales.size();
    const auto& f = generators::oracle_format(layers[l].payload);
    const pipeline::DType want_dtype = pipeline::dtype_of(layers[l].payload);
    std::optional<std::vector<uint8_t>> codes;
    if (q->dtype == want_dtype) codes = oracles::unpack_codes(f, *q->data, want_codes.size());
    if (!codes || s->dtype != pipeline::DType::fp8ue8m0 || s->data->size() != blocks) {
      a.constant_block_mismatches += blocks;
      if (a.first_constant.empty()) {
        a.first_constant =
            where + ": " + std::string(pipeline::name(q->dtype)) + " with " +
            std::to_string(q->data->size()) + " bytes and " + std::to_string(s->data->size()) +
            " scale bytes, expected " + std::string(pipeline::name(want_dtype)) + " holding " +
            std::to_string(want_codes.size()) + " codes and " + std::to_string(blocks) + " scales";
      }
      continue;
    }
    std::string first;
    a.constant_block_mismatches += block_mismatches(*codes, *s->data, want_codes, want_scales,
                                                    where, first, a.constant_scale_mismatch);
    if (a.first_constant.empty()) a.first_constant = first;
  }
}

// A value as JSON: a number, or "nan", "inf", "-inf" (JSON has no non-finite numbers).
nlohmann::json value_json(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

}  // namespace

std::string BitExactResult::reason() const {
  if (!shape_error.empty()) return shape_error;
  if (output_mismatches) {
    return "output " + std::to_string(first ? first->index : -1) +
           " differs from the oracle's pseudocode-order reference (" +
           std::to_string(output_mismatches) + " elements)";
  }
  if (cast_block_mismatches || !casts_complete)
    return "activation cast differs from the oracle: " + first_cast;
  if (constant_block_mismatches)
    return "weight constant differs from the oracle: " + first_constant;
  return {};
}

std::string BitExactResult::symptom() const {
  if (!shape_error.empty()) return "tier a: output shape differs";
  if (constant_block_mismatches > 0)
    return std::string("tier a: weight constant ") + (constant_scale_mismatch ? "scale" : "codes") +
           " differ";
  if (cast_block_mismatches > 0 || !casts_complete)
    return std::string("tier a: activation cast ") + (cast_scale_mismatch ? "scale" : "codes") +
           " differ";
  if (nan_mismatch) return "tier a: output NaN where a number is expected (or the reverse)";
  return "tier a: output off by " + ulp_bucket(max_ulp) + " in " +
         spread(output_mismatches, outputs);
}

nlohmann::json bit_exact_record(const BitExactResult& a) {
  if (!a.shape_error.empty()) return {{"pass", false}, {"reason", a.shape_error}};
  nlohmann::json j = {{"pass", a.pass(Level::bit_exact)},
                      {"output_mismatches", a.output_mismatches},
                      {"cast_block_mismatches", a.cast_block_mismatches},
                      {"constant_block_mismatches", a.constant_block_mismatches}};
  if (!a.casts_observed) j["casts_observed"] = false;
  if (!a.constants_observed) j["constants_observed"] = false;
  if (a.output_mismatches) {
    if (a.nan_mismatch) j["nan_mismatch"] = true;
    j["max_ulp"] = a.max_ulp;
  }
  if (a.first) {
    j["first"] = {{"index", a.first->index},
                  {"expected", value_json(a.first->expected)},
                  {"actual", value_json(a.first->actual)}};
  }
  if (!a.first_cast.empty()) j["first_cast"] = a.first_cast;
  if (!a.first_constant.empty()) j["first_constant"] = a.first_constant;
  if (!a.pass(Level::bit_exact)) j["reason"] = a.reason();
  if (!a.differences.empty()) {
    nlohmann::json diffs = nlohmann::json::array();
    for (const auto& d : a.differences)
      diffs.push_back({{"index", d.index},
                       {"expected", value_json(d.expected)},
                       {"actual", value_json(d.actual)}});
    j["differences"] = diffs;
  }
  return j;
}

BitExactResult judge_bit_exact(const Observation& seen, const Expected& want) {
  BitExactResult a;
  if (!seen.shape_error.empty()) {
    a.shape_error = seen.shape_error;
    return a;
  }
  compare_outputs(seen, want, a);
  compare_casts(seen, want, a);
  compare_constants(seen, want, a);
  return a;
}

}  // namespace mxconf::runner

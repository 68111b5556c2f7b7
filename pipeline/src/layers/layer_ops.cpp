// The table of layer operators (layer_ops.h) and the helpers its rows share.
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::pipeline {
namespace {

// Indexed by LayerKind (= the geometry variant's index).
const LayerOp* const kRows[] = {&kLinearOp, &kConv2dOp, &kEmbeddingOp};
static_assert(std::size(kRows) == std::variant_size_v<LayerGeometry>);

}  // namespace

const LayerOp& layer_op(LayerKind k) {
  return *kRows[size_t(k)];
}

bool is_layer_tosa_op(OpKind op) {
  for (const LayerOp* row : kRows) {
    if (row->tosa_op == op) return true;
  }
  return false;
}

std::string_view name(LayerKind k) {
  return layer_op(k).name;
}

std::optional<LayerKind> parse_layer_kind(std::string_view s) {
  for (const LayerOp* row : kRows) {
    if (row->name == s) return row->kind;
  }
  return std::nullopt;
}

std::optional<LayerKind> layer_kind_of_json_type(std::string_view type) {
  for (const LayerOp* row : kRows) {
    if (row->json_type == type) return row->kind;
  }
  return std::nullopt;
}

namespace layers {

std::string pair_text(int64_t a, int64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}

int64_t read_in_width(io::JsonObject& o, const InWidthKey& k, size_t index, int64_t available) {
  const int64_t v = o.integer(k.key, 1, kMaxK);
  if (v % 32 != 0) {
    throw io::JsonError(o.child(k.key),
                        std::to_string(v) + " is not a multiple of 32 (" + k.why_32 + ")",
                        k.misaligned_code);
  }
  if (v != available) {
    throw io::JsonError(o.child(k.key),
                        std::to_string(v) + " does not match the " +
                            (index == 0 ? k.first_input : k.previous_output) +
                            std::to_string(available),
                        k.mismatch_code);
  }
  return v;
}

}  // namespace layers

}  // namespace mxconf::pipeline

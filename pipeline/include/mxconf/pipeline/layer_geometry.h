// What distinguishes one layer operator from another: its geometry, a type per operator. A
// LayerSpec (model.h) and an importer-level graph op (graph.h) hold one. The operator table
// (layer_ops.h) says what each geometry means for shapes, layout, names and lowering.
#pragma once

#include <array>
#include <cstdint>
#include <variant>

namespace mxconf::pipeline {

// y = x W^T (+ b) over the last axis: x [..., K], W [N, K] (torch's nn.Linear).
struct LinearGeom {
  int64_t in_features = 0;   // K, a multiple of 32
  int64_t out_features = 0;  // N >= 1
  bool operator==(const LinearGeom&) const = default;
};

// torch's nn.Conv2d on NCHW with groups 1: W [OC, IC, KH, KW]; the arguments in TOSA's operand
// order (conv2d-block-scaled.md).
struct Conv2dGeom {
  int64_t in_channels = 0;                    // IC, a multiple of 32
  int64_t out_channels = 0;                   // OC >= 1
  std::array<int64_t, 2> kernel = {1, 1};     // [KH, KW]
  std::array<int64_t, 2> stride = {1, 1};     // [y, x], >= 1
  std::array<int64_t, 4> pad = {0, 0, 0, 0};  // [top, bottom, left, right], >= 0
  std::array<int64_t, 2> dilation = {1, 1};   // [y, x], >= 1
  // Written back as torch's symmetric "padding" [ph, pw] when true, as "pad" otherwise.
  bool symmetric = true;
  bool operator==(const Conv2dGeom&) const = default;
};

// torch's nn.Embedding read by integer indices: a table W [V, D] of MX rows (blocks along D),
// y[..., :] = W[idx, :], lowered to ROW_GATHER_BLOCK_SCALED + CAST_FROM_BLOCK_SCALED. It reads
// the model's int32 input, so it is a model's only layer (model.cpp says why).
struct EmbeddingGeom {
  int64_t num_embeddings = 0;  // V >= 1, the rows an index may name
  int64_t embedding_dim = 0;   // D, a multiple of 32
  bool operator==(const EmbeddingGeom&) const = default;
};

// The alternative's index is the LayerKind.
using LayerGeometry = std::variant<LinearGeom, Conv2dGeom, EmbeddingGeom>;
enum class LayerKind : uint8_t { linear, conv2d, embedding };
inline constexpr LayerKind kAllLayerKinds[] = {LayerKind::linear, LayerKind::conv2d,
                                               LayerKind::embedding};

constexpr LayerKind kind_of(const LayerGeometry& g) {
  return LayerKind(g.index());
}

}  // namespace mxconf::pipeline

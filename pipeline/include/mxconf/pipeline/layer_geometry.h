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

// The alternative's index is the LayerKind.
using LayerGeometry = std::variant<LinearGeom, Conv2dGeom>;
enum class LayerKind : uint8_t { linear, conv2d };
inline constexpr LayerKind kAllLayerKinds[] = {LayerKind::linear, LayerKind::conv2d};

constexpr LayerKind kind_of(const LayerGeometry& g) {
  return LayerKind(g.index());
}

}  // namespace mxconf::pipeline

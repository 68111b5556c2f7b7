// From a model description to a lowered TOSA graph: import, then the standard pass pipeline.
#pragma once

#include <string>

#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {

// The pre-lowering graph: one importer-level LAYER op per layer (its geometry, payload and weight
// rule as attributes) with fp32 constant weights in their logical shape, a trailing CAST for a
// bf16 output, and the I/O dim orders as annotations. npy weight paths resolve against base_dir.
Graph import_model(const ModelSpec& m, const std::string& base_dir = "");

// Choices a lowering may make that the model does not fix.
struct LowerOptions {
  // Rank >= 3 inputs [..., S, K] keep their leading dims as the MATMUL batch: A is [B, S, K] and
  // the weights broadcast with D = 1 < N = B. Off: A is [1, M, K] (the reference lowering).
  bool batched_matmul = false;
  // FoldTransposes: no NHWC -> NCHW -> NHWC round trip between conv layers (or after a
  // channels_last input). Off: every conv keeps both of its TRANSPOSEs, as ExecuTorch emits them.
  bool fold_transposes = true;
  // Linear layers cast the activation in its own shape [..., K] and move the MX tensor (codes and
  // scales) to [B, M, K] with RESHAPE_BLOCK_SCALED, instead of reshaping the fp32 activation
  // before the cast. The same blocks (they run along K either way), so the same bits out; needs
  // a runtime with RESHAPE_BLOCK_SCALED (tosa-tools 2026.5.0 and 2026.8.0 both run it).
  bool reshape_after_cast = false;
  bool operator==(const LowerOptions&) const = default;
};

// QuantizeWeights, NormalizeIoLayout, each operator's rewrite pass (layer_ops.h), FoldTransposes
// (unless turned off), EliminateDeadCode.
PassManager standard_pipeline(const LowerOptions& opts = {});

// The target a model needs: TOSA-1.1+FP+mxfp, with each layer operator's own extension (e.g.
// +mxfp_conv for a conv2d chain) and +bf16 when an I/O tensor is bf16.
std::string default_target_text(const ModelSpec& m);

Graph lower_model(const ModelSpec& m, const std::string& base_dir = "",
                  const LowerOptions& opts = {});

}  // namespace mxconf::pipeline

// One model through the whole pipeline (lower -> validate -> serialize -> load -> execute), with
// the oracle's expectation computed alongside from the same fp32 data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::runner {

struct PipelineRun {
  std::string failed_stage;  // empty, or lower / validate / serialize / load / execute
  std::string error;
  pipeline::Graph lowered;
  std::vector<pipeline::ValidationIssue> issues;
  std::vector<uint8_t> tosa;
  pipeline::Graph loaded;
  std::vector<float> output;  // logical layout, fp32 values (bf16 outputs widened)
  // The fp32 result before a bf16 output CAST (logical layout): what DOT_PRODUCT judges.
  std::vector<float> output_fp32;
  // Per CAST_TO_BLOCK_SCALED, in execution order (one per layer): its input and its outputs.
  struct CastObservation {
    std::vector<float> input;  // [1, M, K] values (bf16 widened)
    std::vector<uint8_t> codes, scales;
  };
  std::vector<CastObservation> casts;
  // What the system under test let us see. An external runtime shows only its output: no casts,
  // and for a BF16 output no fp32 result before the final CAST.
  bool casts_observed = true;
  bool output_fp32_observed = true;
  std::string shape_error;  // the output had the wrong shape (a failure, not an error)
};

// The stages before execution: lower -> validate -> serialize -> load, stopping at the first
// failing one (failed_stage, error).
PipelineRun lower_and_load(const pipeline::ModelSpec& m, const pipeline::Target& target,
                           const std::string& base_dir = "",
                           const pipeline::LowerOptions& lowering = {});

// Executes run.loaded (one input, one output) with the reference interpreter: feeds `input`
// (logical layout) in the model's physical dim order and fills output, output_fp32 and casts.
// Throws std::runtime_error when the graph's input or output does not fit the model.
void execute_loaded(const pipeline::ModelSpec& m, const std::vector<float>& input,
                    formats::ScaleRule cast_rule, PipelineRun& run);

// `input` holds the logical input (bf16 inputs: bf16-exact values). The graph input is fed in
// its physical dim order; the output is returned in logical order.
PipelineRun run_pipeline(const pipeline::ModelSpec& m, const std::vector<float>& input,
                         const pipeline::Target& target, formats::ScaleRule cast_rule,
                         const std::string& base_dir = "",
                         const pipeline::LowerOptions& lowering = {});

struct OracleExpectation {
  // Per layer: the oracle's activation cast (under the case's cast rule) and the layer's input.
  std::vector<std::vector<uint8_t>> x_codes, x_scales;
  std::vector<std::vector<float>> layer_inputs;
  std::vector<float> pseudocode;   // bit-exact target, logical layout
  std::vector<double> exact_last;  // the last layer's exact values (+bias)
  std::vector<double> bound_last;  // the last layer's DOT_PRODUCT bound
  std::vector<float> fp32_model;   // the unquantized fp32 model (fidelity reference)
};

// bit_exact_only: only what tier (a) needs (x_codes, x_scales, layer_inputs, pseudocode).
OracleExpectation oracle_expectation(const pipeline::ModelSpec& m, const std::vector<float>& input,
                                     formats::ScaleRule cast_rule, const std::string& base_dir = "",
                                     bool bit_exact_only = false);

// Permutes a C-order tensor: out dim j = in dim order[j].
std::vector<float> permute_dims(const std::vector<float>& in, const std::vector<int64_t>& shape,
                                const std::vector<int64_t>& order);
std::vector<double> permute_dims(const std::vector<double>& in, const std::vector<int64_t>& shape,
                                 const std::vector<int64_t>& order);

}  // namespace mxconf::runner

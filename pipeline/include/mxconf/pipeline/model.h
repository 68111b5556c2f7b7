// The MXFP model description (JSON, versioned; docs/model-format.md): a chain of linear layers
// or a chain of conv2d layers.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/types.h"

namespace mxconf::pipeline {

inline constexpr int kModelFormatVersion = 1;

// Where a layer's weights (or bias) come from.
struct ValueSource {
  enum class Kind { seed, values, npy, bits };
  Kind kind = Kind::seed;
  uint64_t seed = 0;
  double scale = 0;           // seed: uniform in [-scale, scale]; 0 means 1/sqrt(K)
  std::vector<float> values;  // values / bits: row-major weight_shape(layer) or [N] (bias)
  std::string npy_path;       // npy: float32 file, as given (relative to the model file)
  bool operator==(const ValueSource&) const = default;
};

enum class LayerKind { linear, conv2d };

// A conv2d layer's geometry, torch's Conv2d arguments in TOSA's operand order. groups is always 1.
struct Conv2dParams {
  std::array<int64_t, 2> kernel = {1, 1};     // [KH, KW]
  std::array<int64_t, 2> stride = {1, 1};     // [y, x], >= 1
  std::array<int64_t, 4> pad = {0, 0, 0, 0};  // [top, bottom, left, right], >= 0
  std::array<int64_t, 2> dilation = {1, 1};   // [y, x], >= 1
  // Written back as torch's symmetric "padding" [ph, pw] when true, as "pad" otherwise.
  bool symmetric = true;
  bool operator==(const Conv2dParams&) const = default;
};

struct LayerSpec {
  LayerKind kind = LayerKind::linear;
  int64_t in_features = 0;   // K (conv2d: in_channels, IC), a multiple of 32
  int64_t out_features = 0;  // N (conv2d: out_channels, OC) >= 1
  Conv2dParams conv;         // conv2d only
  bool bias = false;
  formats::ElementType payload = formats::ElementType::fp8e4m3;
  formats::ScaleRule weight_scale_rule = formats::kDefaultWeightScaleRule;
  ValueSource weights;
  // As the description gives it; absent, the bias is derived as docs/model-format.md says (seeded
  // from the weights' seed). The struct keeps "absent" so that every reader of the description
  // applies that rule itself: the pipeline in layer_bias, the judge on its own.
  std::optional<ValueSource> bias_values;
  bool operator==(const LayerSpec&) const = default;
};

struct InputSpec {
  std::string name = "x";
  std::vector<int64_t> shape;      // logical, rank 1-4 (conv2d: NCHW, rank 4)
  std::vector<int64_t> dim_order;  // physical layout, a permutation; empty = contiguous
  DType dtype = DType::fp32;       // fp32 or bf16
  bool operator==(const InputSpec&) const = default;
};

struct OutputSpec {
  std::string name = "y";
  DType dtype = DType::fp32;       // fp32, or bf16 through a CAST at the end
  std::vector<int64_t> dim_order;  // empty = contiguous
  bool operator==(const OutputSpec&) const = default;
};

struct ModelSpec {
  InputSpec input;
  std::vector<LayerSpec> layers;
  OutputSpec output;
  bool operator==(const ModelSpec&) const = default;
};

// Throws io::JsonError with the JSON path of the first problem. `base_dir` resolves npy paths.
ModelSpec parse_model(const nlohmann::json& j);
ModelSpec load_model_file(const std::string& path);
nlohmann::json to_json(const ModelSpec& m);

// The layer's fp32 weights [N, K] and bias [N], materialized deterministically. npy paths are
// resolved against base_dir. Throws std::runtime_error naming the layer for a bad file.
std::vector<float> layer_weights(const LayerSpec& l, size_t index, const std::string& base_dir);
// The same weights as little-endian fp32 bytes (the constant's encoding), generated in place.
std::vector<uint8_t> layer_weight_bytes(const LayerSpec& l, size_t index,
                                        const std::string& base_dir);
std::vector<float> layer_bias(const LayerSpec& l, size_t index, const std::string& base_dir);

// Logical output shape of the whole model (conv2d: [N, OC, OH, OW]).
std::vector<int64_t> output_shape(const ModelSpec& m);
// The weights' logical shape: [N, K] for linear, torch's [OC, IC, KH, KW] for conv2d.
std::vector<int64_t> weight_shape(const LayerSpec& l);
// Inputs per output: K, or IC * KH * KW (the default weight bound is 1/sqrt of it, as in torch).
int64_t fan_in(const LayerSpec& l);
// The conv output size along one axis, or -1 where TOSA's ERROR_IF forbids it: the division by
// the stride must be exact (idiv_check) and the dilated kernel must fit the padded input.
int64_t conv_output_size(int64_t in, int64_t pad_a, int64_t pad_b, int64_t kernel, int64_t dilation,
                         int64_t stride);
// The logical NCHW shape after each layer of a conv2d chain: entry i is layer i's output.
std::vector<std::vector<int64_t>> conv_shapes(const ModelSpec& m);
// `order` is a permutation of 0..rank-1 (empty counts as contiguous).
bool is_permutation(const std::vector<int64_t>& order, size_t rank);

}  // namespace mxconf::pipeline

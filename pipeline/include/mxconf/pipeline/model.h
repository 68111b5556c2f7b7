// The MXFP model description (JSON, versioned; docs/model-format.md): a chain of layers of one
// operator (layer_ops.h: linear or conv2d).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/layer_geometry.h"
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

// One layer: its operator's geometry (layer_geometry.h; the operator table layer_ops.h says what
// it means) and what every operator shares: bias, payload, weight scale rule, weight values.
struct LayerSpec {
  LayerGeometry geometry;
  bool bias = false;
  formats::ElementType payload = formats::ElementType::fp8e4m3;
  formats::ScaleRule weight_scale_rule = formats::kDefaultWeightScaleRule;
  ValueSource weights;
  // As the description gives it; absent, the bias is derived as docs/model-format.md says (seeded
  // from the weights' seed). The struct keeps "absent" so that every reader of the description
  // applies that rule itself: the pipeline in layer_bias, the judge on its own.
  std::optional<ValueSource> bias_values;

  LayerKind kind() const { return kind_of(geometry); }
  // The width of the layer's input along the axis its blocks run (K, or IC) and of its output
  // (N, or OC), as the operator table reads them from the geometry.
  int64_t in_width() const;
  int64_t out_width() const;
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

// Caps on a case read from a file (the generator stays far below them): elements of any one
// tensor, layers, one layer's fan-in (KS), and multiply-accumulates over the whole model.
inline constexpr int64_t kMaxCaseElements = int64_t{1} << 24;
inline constexpr int64_t kMaxCaseLayers = 64;
inline constexpr int64_t kMaxCaseFanIn = int64_t{1} << 16;
inline constexpr int64_t kMaxCaseMacs = int64_t{1} << 32;

// Throws io::JsonError with the JSON path of the first problem. `base_dir` resolves npy paths.
ModelSpec parse_model(const nlohmann::json& j);
ModelSpec load_model_file(const std::string& path);
// An input's or output's dtype as the description spells it: "fp32", "bf16" or "int32".
std::string_view io_dtype_name(DType t);
nlohmann::json to_json(const ModelSpec& m);

// The layer's fp32 weights in their logical shape (the operator table's weight_shape) and bias
// [out_width], materialized deterministically. npy paths are resolved against base_dir. Throws
// std::runtime_error naming the layer for a bad file.
std::vector<float> layer_weights(const LayerSpec& l, size_t index, const std::string& base_dir);
// The same weights as little-endian fp32 bytes (the constant's encoding), generated in place.
std::vector<uint8_t> layer_weight_bytes(const LayerSpec& l, size_t index,
                                        const std::string& base_dir);
std::vector<float> layer_bias(const LayerSpec& l, size_t index, const std::string& base_dir);

// The logical shape after each layer: entry i is layer i's output (the operator table's
// output_shape along the chain). Throws std::invalid_argument where a layer does not fit.
std::vector<std::vector<int64_t>> layer_output_shapes(const ModelSpec& m);
// Logical output shape of the whole model.
std::vector<int64_t> output_shape(const ModelSpec& m);
// The conv output size along one axis, or -1 where TOSA's ERROR_IF forbids it: the division by
// the stride must be exact (idiv_check) and the dilated kernel must fit the padded input.
// Overflow-checked: graph constants reach it too (the interpreter, validation).
int64_t conv_output_size(int64_t in, int64_t pad_a, int64_t pad_b, int64_t kernel, int64_t dilation,
                         int64_t stride);
// `order` is a permutation of 0..rank-1 (empty counts as contiguous).
bool is_permutation(const std::vector<int64_t>& order, size_t rank);

}  // namespace mxconf::pipeline

// The layer operators a model is made of, one row each: everything pipeline/ knows of an
// operator (its shapes and weight layout, KS, the K axis, its model JSON, the name fragment, the
// lowering pass, the TOSA operator it lowers to and the extension that operator needs). Code
// outside the rows asks the table instead of branching on the kind; a new operator is a new
// geometry (layer_geometry.h), a new row in its own file under src/layers/, and its rewrite pass
// (docs/architecture.md, "Adding an operator"). The judge keeps an independent mirror of what it
// needs (runner/judge_ops.h), written apart on purpose so that it cannot share a mistake made here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/formats/element_type.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/pipeline/layer_geometry.h"
#include "mxconf/pipeline/passes/pass.h"
#include "mxconf/pipeline/types.h"

namespace mxconf::pipeline {

struct ModelSpec;
struct LowerOptions;

struct LayerOp {
  LayerKind kind;
  std::string_view name;       // "MXFP_LINEAR": results, reports, --ops
  std::string_view json_type;  // "linear": the model description's layer "type"
  std::string_view stem;       // "mxfp_linear": the start of case and test names
  std::string_view in_key;     // "in_features": the model JSON key of in_width
  OpKind tosa_op;              // the block-scaled TOSA operator the layer lowers to
  // The extension that operator needs beyond the MX payload extensions, in the target's short
  // spelling ("" for none; "mxfp_conv" for CONV2D_BLOCK_SCALED).
  std::string_view extension;
  // The payloads the TOSA operator's type support takes (tosa.xml): every MX payload for
  // MATMUL_T_BLOCK_SCALED; no MXINT8 for CONV2D_BLOCK_SCALED.
  std::span<const formats::ElementType> payloads;
  size_t min_rank, max_rank;  // of the model's input
  // The layer reads the model's int32 input as row indices (an embedding): there is no K axis
  // and no activation cast, the campaign's values fill its table, and it is the only layer.
  bool index_input = false;
  bool takes_bias = true;  // whether the model may give it a bias

  // The logical input axis the blocks run along (the last for linear, C of NCHW for conv2d).
  size_t (*k_axis)(size_t rank);
  int64_t (*in_width)(const LayerGeometry&);   // K or IC: the size of that axis
  int64_t (*out_width)(const LayerGeometry&);  // N or OC
  // KS: the length of each output's dot product (K, or KH * KW * IC).
  int64_t (*fan_in)(const LayerGeometry&);
  // The output's logical shape for an input of `input` (which has in_width along k_axis), or
  // nothing where the spec forbids the size (a conv whose size is not an exact division).
  std::optional<std::vector<int64_t>> (*output_shape)(const std::vector<int64_t>& input,
                                                      const LayerGeometry&);

  // The weights as the model gives them (torch's shape) and as the TOSA constant holds them
  // (blocks along the last axis, each output's KS values in the order the op sums them).
  std::vector<int64_t> (*weight_shape)(const LayerGeometry&);
  std::vector<int64_t> (*stored_weight_shape)(const LayerGeometry&);
  std::vector<std::string_view> weight_dim_names;  // for messages about inline weights
  // Where element k of output o's contraction sits in the logical weights (row-major in
  // weight_shape). nullptr: the logical order is the contraction order (offset o * KS + k).
  size_t (*contraction_offset)(const LayerGeometry&, int64_t o, int64_t k);

  // TOSA's dot-product data sets (SPEC appendix_a.adoc): the k that input element `col` of row
  // `row` has, the rows laid out with the K axis last (`k_last`: the input's shape in that order).
  int64_t (*data_set_k)(const LayerGeometry&, const std::vector<int64_t>& k_last, int64_t row,
                        int64_t col);

  // The model description: reads the operator's own keys of layer `index` (everything but type,
  // bias, payload, weight_scale_rule, weights and bias_values), checked against the logical
  // `input` shape the layer sees. Throws io::JsonError with a path and a typed code.
  LayerGeometry (*parse)(io::JsonObject& o, size_t index, const std::vector<int64_t>& input);
  void (*write)(const LayerGeometry&, nlohmann::json& layer);

  // Name fragments after the stem: case names (case.cpp) and conformance test names
  // (package_format.cpp), describing the model's geometry.
  std::string (*case_geometry)(const ModelSpec&);
  std::string (*test_geometry)(const ModelSpec&);

  // The pass that rewrites this operator's quantized layers into TOSA operators.
  std::unique_ptr<Pass> (*rewrite)(const LowerOptions&);
  // One-step simplifications of a geometry toward its simplest form (shrinking keeps those that
  // still give a legal model).
  std::vector<LayerGeometry> (*simpler)(const LayerGeometry&);
  // The geometry with other in and out widths (K / IC and N / OC), all else kept.
  LayerGeometry (*with_widths)(const LayerGeometry&, int64_t in, int64_t out);
};

const LayerOp& layer_op(LayerKind k);
// Whether `op` is the TOSA operator some layer operator lowers to (the op that takes a layer's
// weight constants).
bool is_layer_tosa_op(OpKind op);
inline const LayerOp& layer_op(const LayerGeometry& g) {
  return layer_op(kind_of(g));
}
std::string_view name(LayerKind k);  // "MXFP_LINEAR", "MXFP_CONV2D"
std::optional<LayerKind> parse_layer_kind(std::string_view s);
std::optional<LayerKind> layer_kind_of_json_type(std::string_view type);

// The rows, defined each in its own file (src/layers/).
extern const LayerOp kLinearOp;
extern const LayerOp kConv2dOp;
extern const LayerOp kEmbeddingOp;

// Helpers the rows share.
namespace layers {
// "a" or "axb": a pair written once when both entries agree.
std::string pair_text(int64_t a, int64_t b);
// How a row spells its in-width key and the errors about it.
struct InWidthKey {
  const char* key;              // "in_features"
  const char* why_32;           // "the MX block size"
  const char* misaligned_code;  // "k_not_multiple_of_32"
  const char* first_input;      // "input's last dimension "
  const char* previous_output;  // "previous out_features "
  const char* mismatch_code;    // "in_features_mismatch"
};
// The in-width key's value, checked for block alignment and against `available` (what the
// previous layer, or the input for layer 0, gives along the K axis).
int64_t read_in_width(io::JsonObject& o, const InWidthKey& k, size_t index, int64_t available);
// Model-format limits the rows share.
inline constexpr int64_t kMaxDim = int64_t{1} << 24;
inline constexpr int64_t kMaxK = 1 << 16;
}  // namespace layers

}  // namespace mxconf::pipeline

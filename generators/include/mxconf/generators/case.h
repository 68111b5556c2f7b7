// A conformance case (JSON, versioned; docs/case-format.md): a model, a data spec, a target and
// an expectation. Every byte of data derives from the case's seed; the fingerprint is a hash of
// the canonical JSON, so a case written and read back is the same case with the same fingerprint.
// Names (campaign, invalid rule, target profile, scale rules, payloads) become typed values when a
// case is read or generated, and names again only when it is written.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mxconf/formats/block_cast.h"
#include "mxconf/generators/campaigns.h"
#include "mxconf/generators/invalid_rules.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::generators {

inline constexpr int kCaseFormatVersion = 1;
// The seed a run, an export and a check start from unless told otherwise.
inline constexpr uint64_t kDefaultRunSeed = 1;

struct TargetSpec {
  pipeline::Target profile;               // default TOSA-1.1+FP+mxfp
  std::string spec_revision = "cd5acdd";  // arm/tosa-specification commit judged against
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;  // CAST_TO_BLOCK_SCALED's rule
  bool operator==(const TargetSpec&) const = default;
};

struct Expectation {
  std::optional<InvalidRule> rule;  // ERROR_IF cases: the one rule broken (invalid_rules.h)
  std::string code;                 // ERROR_IF cases: the typed error expected
  uint32_t variant = 0;             // ERROR_IF cases: which point of the rule's boundary
  bool valid() const { return !rule; }
  bool operator==(const Expectation&) const = default;
};

struct Case {
  pipeline::ModelSpec model;
  DataSpec data;
  TargetSpec target;
  pipeline::LowerOptions lowering;  // JSON "lowering", written only when not the default
  Expectation expect;
  bool operator==(const Case&) const = default;
};

// The operator a case exercises (its layers' operator; results and reports name it by the
// operator table's name, e.g. "MXFP_CONV2D").
pipeline::LayerKind op_of(const Case& c);
// The layers' payloads as names and reports give them: "fp8e4m3" when every layer has it,
// otherwise each layer's in order, joined by '-' ("fp8e4m3-fp4e2m1").
std::string payloads_text(const pipeline::ModelSpec& m);

nlohmann::json to_json(const Case& c);
// Throws io::JsonError with the JSON path of the problem.
Case case_from_json(const nlohmann::json& j);
Case load_case_file(const std::string& path);
// A bare model (docs/model-format.md), as `mxconf lower` takes it, made a valid case with the
// defaults (docs/case-format.md): the target the model needs (default_target_text: +mxfp_conv
// for a conv chain, +bf16 for bf16 I/O), the default cast rule, spec revision and lowering, and
// input data from campaign `uniform` with seed 0 (weights and bias come from the model's own
// sources; a relative .npy path is taken relative to `base_dir`, the model file's directory).
Case case_from_model(const nlohmann::json& model, const std::string& base_dir = "");
// What a user may hand to `run --case-files` and `replay`: a case, a saved failure record
// ({"case": {...}, ...}) or a bare model (an object with "layers" and no "mxconf_case").
Case case_from_any_json(const nlohmann::json& j, const std::string& base_dir = "");

// 16 hex digits: FNV-1a 64 of the canonical (sorted-key, compact) JSON.
std::string fingerprint(const Case& c);

// A short TOSA-style name: {stem}_{geometry}_{payloads}_{rule}_{bias|nobias}_{campaign}_{seed}
// with the operator table's stem and case_geometry, e.g. mxfp_linear_{MxKxN}_... or
// mxfp_conv2d_{NxCxHxW}_k{KHxKW}_s{stride}_p{pad}[_d{dilation}]_oc{OC}_...
std::string case_name(const Case& c);

}  // namespace mxconf::generators

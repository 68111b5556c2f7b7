// A conformance case (JSON, versioned; docs/case-format.md): a model, a data spec, a target and
// an expectation. Every byte of data derives from the case's seed; the fingerprint is a hash of
// the canonical JSON, so a case written and read back is the same case with the same fingerprint.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/model.h"

namespace mxconf::generators {

inline constexpr int kCaseFormatVersion = 1;

struct DataSpec {
  std::string campaign = "uniform";  // see campaigns.h
  uint64_t seed = 0;
  nlohmann::json params = nlohmann::json::object();  // campaign parameters (small, canonical)
  bool operator==(const DataSpec&) const = default;
};

struct TargetSpec {
  std::string profile = "TOSA-1.1+FP+mxfp";  // pipeline::Target syntax
  std::string spec_revision = "cd5acdd";     // arm/tosa-specification commit judged against
  formats::ScaleRule cast_rule = formats::ScaleRule::tosa;  // CAST_TO_BLOCK_SCALED's rule
  bool operator==(const TargetSpec&) const = default;
};

struct Expectation {
  bool valid = true;
  std::string rule;  // invalid cases: the one rule broken (invalid_rules.h)
  std::string code;  // invalid cases: the typed error expected (a validation or model code)
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

nlohmann::json to_json(const Case& c);
// Throws io::JsonError with the JSON path of the problem.
Case case_from_json(const nlohmann::json& j);
Case load_case_file(const std::string& path);

// 16 hex digits: FNV-1a 64 of the canonical (sorted-key, compact) JSON.
std::string fingerprint(const Case& c);

// A short TOSA-style name: mxfp_linear_{MxKxN}_{payload}_{rule}_{bias|nobias}_{campaign}_{seed}.
std::string case_name(const Case& c);

}  // namespace mxconf::generators

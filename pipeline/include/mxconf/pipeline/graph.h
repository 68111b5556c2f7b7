// The graph IR: one region and one block, both named "main", as TOSA serializes them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/layer_geometry.h"
#include "mxconf/pipeline/types.h"

namespace mxconf::pipeline {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::unknown;
  // Constant bytes in the .tosa encoding (little-endian; fp4/fp6 packed; SHAPE as int64).
  std::optional<std::vector<uint8_t>> data;

  int64_t element_count() const;
  bool operator==(const Tensor&) const = default;
};

struct Attributes {
  std::vector<int32_t> perms;  // TRANSPOSE
  uint32_t block_size = 0;     // the *_BLOCK_SCALED ops (32)
  // The importer-level kinds only (layer / mx_layer): the model layer's geometry, payload and
  // weight scale rule.
  LayerGeometry layer;
  formats::ElementType payload = formats::ElementType::fp8e4m3;
  formats::ScaleRule weight_scale_rule = formats::kDefaultWeightScaleRule;
  bool operator==(const Attributes&) const = default;
};

struct Operator {
  OpKind op = OpKind::unknown;
  uint32_t raw_op = 0;  // the serialized value, kept for ops mxconf does not model
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attrs;
  bool operator==(const Operator&) const = default;
};

struct Version {
  int32_t major = 1, minor = 1, patch = 0;
  bool draft = true;
  bool operator==(const Version&) const = default;
};

struct Graph {
  Version version;
  std::string region_name = "main";
  std::string block_name = "main";
  std::vector<Tensor> tensors;
  std::vector<Operator> ops;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  // Importer annotation, consumed by NormalizeIoLayout: the physical dim order of graph I/O
  // tensors that are not contiguous. Never serialized.
  std::map<std::string, std::vector<int64_t>> io_dim_order;

  const Tensor* find(const std::string& name) const;
  Tensor* find(const std::string& name);
  // Adds a tensor; the name must be new. Returns its name.
  const std::string& add_tensor(Tensor t);
  // A fresh tensor name built from `stem` (stem, stem_1, stem_2, ...).
  std::string unique_name(const std::string& stem) const;
  bool operator==(const Graph&) const = default;
};

// Convenience builders used by the importer and the passes.
Tensor make_const(std::string name, DType t, std::vector<int64_t> shape, std::vector<uint8_t> data);
Tensor make_shape_const(std::string name, const std::vector<int64_t>& values);
std::vector<int64_t> shape_values(const Tensor& shape_tensor);             // SHAPE data as int64
std::string shape_string(const std::vector<int64_t>& shape);               // "[1,20,32]"
std::string join_dims(const std::vector<int64_t>& dims, const char* sep);  // "1x20x32"
std::string tensor_text(const Tensor* t);  // "FP32[1,20,32]", or "(undeclared)" for null

}  // namespace mxconf::pipeline

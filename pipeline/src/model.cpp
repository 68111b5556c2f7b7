#include "mxconf/pipeline/model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mxconf/faults/faults.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/layer_ops.h"

namespace mxconf::pipeline {
namespace {

using io::JsonError;
using io::JsonObject;

using layers::kMaxDim;

// Reads a nested array of dims.size() levels (weights in their logical shape, named level by
// level in `names`) into `out`.
template <typename Number>
void read_nested(const nlohmann::json& v, const std::string& path, const std::vector<int64_t>& dims,
                 const std::vector<std::string_view>& names, size_t level, Number number,
                 std::vector<float>& out) {
  if (!v.is_array() || int64_t(v.size()) != dims[level]) {
    throw JsonError(path, "expected an array of " + std::to_string(dims[level]) + " (" +
                              std::string(names[level]) + ") entries");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    if (level + 1 == dims.size()) {
      out.push_back(number(v[i], p));
    } else {
      read_nested(v[i], p, dims, names, level + 1, number, out);
    }
  }
}

// dims: [N] (a bias) or a weight_shape (weights, with their dimension names).
ValueSource parse_source(JsonObject o, const std::vector<int64_t>& dims,
                         const std::vector<std::string_view>& names = {}) {
  ValueSource s;
  const int kinds =
      int(o.has("seed")) + int(o.has("values")) + int(o.has("npy")) + int(o.has("fp32_bits"));
  if (kinds != 1) throw JsonError(o.path(), "give exactly one of seed, values, fp32_bits or npy");
  if (o.has("seed")) {
    s.kind = ValueSource::Kind::seed;
    s.seed = uint64_t(o.integer("seed", 0, INT64_MAX));
    s.scale = o.number_or("scale", 0.0);
    if (!(s.scale >= 0 && s.scale < 1e30))
      throw JsonError(o.child("scale"), "must be in [0, 1e30)");
  } else if (o.has("values") || o.has("fp32_bits")) {
    // fp32_bits: any fp32 bit pattern (NaN, Inf and subnormals included) as an unsigned integer.
    const bool bits = o.has("fp32_bits");
    s.kind = bits ? ValueSource::Kind::bits : ValueSource::Kind::values;
    const std::string key = bits ? "fp32_bits" : "values";
    const auto& v = o.get(key);
    const std::string p = o.child(key);
    if (!v.is_array()) throw JsonError(p, "expected an array");
    auto number = [bits](const nlohmann::json& x, const std::string& path) {
      if (bits) return std::bit_cast<float>(uint32_t(io::json_integer(x, path, 0, UINT32_MAX)));
      const double d = io::json_number(x, path);
      if (!std::isfinite(float(d))) throw JsonError(path, "not a finite fp32 value");
      return float(d);
    };
    if (names.empty()) {  // a vector [rows]
      if (int64_t(v.size()) != dims[0]) {
        throw JsonError(
            p, "has " + std::to_string(v.size()) + " values, expected " + std::to_string(dims[0]),
            "bias_length");
      }
      for (size_t i = 0; i < v.size(); ++i)
        s.values.push_back(number(v[i], p + "/" + std::to_string(i)));
    } else {
      read_nested(v, p, dims, names, 0, number, s.values);
    }
  } else {
    s.kind = ValueSource::Kind::npy;
    s.npy_path = o.string("npy");
    if (s.npy_path.empty()) throw JsonError(o.child("npy"), "empty path");
  }
  o.finish();
  return s;
}

// `indices`: the input, which may also hold int32 row indices (an embedding's; the layers are
// checked against it when they are read).
DType parse_io_dtype(JsonObject& o, const std::string& key, bool indices = false) {
  const std::string s = o.string_or(key, "fp32");
  if (s == "fp32") return DType::fp32;
  if (s == "bf16") return DType::bf16;
  if (indices && s == "int32") return DType::int32;
  throw JsonError(o.child(key),
                  "'" + s + "' is not fp32" + (indices ? ", bf16 or int32" : " or bf16"));
}

// SplitMix64: a tiny portable generator, so generated weights are the same on every platform.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Seeded values: two per draw, 24-bit uniforms in [0, 1) mapped to [-scale, scale).
template <typename Store>
void generate_values(uint64_t seed, size_t count, float scale, Store store) {
  uint64_t state = seed;
  for (size_t i = 0; i < count; i += 2) {
    const uint64_t r = splitmix64(state);
    store(i, (float(uint32_t(r >> 40)) * 0x1p-23f - 1.0f) * scale);
    if (i + 1 < count)
      store(i + 1, (float(uint32_t(r >> 8) & 0xFFFFFFu) * 0x1p-23f - 1.0f) * scale);
  }
}

std::vector<float> materialize(const ValueSource& s, size_t count, double default_scale,
                               const std::string& base_dir, const std::string& what) {
  switch (s.kind) {
    case ValueSource::Kind::values:
    case ValueSource::Kind::bits:
      return s.values;
    case ValueSource::Kind::seed: {
      std::vector<float> v(count);
      generate_values(s.seed, count, float(s.scale > 0 ? s.scale : default_scale),
                      [&](size_t i, float x) { v[i] = x; });
      return v;
    }
    case ValueSource::Kind::npy: {
      std::filesystem::path p(s.npy_path);
      if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
      const io::NpyFile a = io::NpyFile::open(p.string());
      if (a.dtype() != io::NpyDtype::f4)
        throw std::runtime_error(what + ": " + p.string() + " is not float32");
      if (a.element_count() != count) {
        throw std::runtime_error(what + ": " + p.string() + " holds " +
                                 std::to_string(a.element_count()) + " values, expected " +
                                 std::to_string(count));
      }
      const auto v = a.values<float>();
      return std::vector<float>(v.begin(), v.end());
    }
  }
  return {};
}

// `dims` as parse_source takes them; values are written nested to match.
nlohmann::json source_json(const ValueSource& s, const std::vector<int64_t>& dims) {
  switch (s.kind) {
    case ValueSource::Kind::seed: {
      nlohmann::json j = {{"seed", s.seed}};
      if (s.scale > 0) j["scale"] = s.scale;
      return j;
    }
    case ValueSource::Kind::npy:
      return {{"npy", s.npy_path}};
    case ValueSource::Kind::values:
    case ValueSource::Kind::bits: {
      const bool bits = s.kind == ValueSource::Kind::bits;
      auto entries = [&](size_t from, size_t to) {
        nlohmann::json a = nlohmann::json::array();
        for (size_t i = from; i < to; ++i) {
          if (bits) {
            a.push_back(std::bit_cast<uint32_t>(s.values[i]));
          } else {
            a.push_back(s.values[i]);
          }
        }
        return a;
      };
      const char* key = bits ? "fp32_bits" : "values";
      // Innermost rows of dims.back() values, then grouped level by level from the inside out.
      const size_t inner = size_t(dims.back());
      if (dims.size() == 1) return {{key, entries(0, s.values.size())}};
      std::vector<nlohmann::json> level;
      for (size_t r = 0; r * inner < s.values.size(); ++r)
        level.push_back(entries(r * inner, (r + 1) * inner));
      for (size_t d = dims.size() - 1; d-- > 1;) {
        std::vector<nlohmann::json> outer;
        for (size_t i = 0; i < level.size(); i += size_t(dims[d])) {
          nlohmann::json group = nlohmann::json::array();
          for (size_t j = i; j < i + size_t(dims[d]); ++j) group.push_back(std::move(level[j]));
          outer.push_back(std::move(group));
        }
        level = std::move(outer);
      }
      nlohmann::json top = nlohmann::json::array();
      for (auto& x : level) top.push_back(std::move(x));
      return {{key, top}};
    }
  }
  return {};
}

}  // namespace

int64_t conv_output_size(int64_t in, int64_t pad_a, int64_t pad_b, int64_t kernel, int64_t dilation,
                         int64_t stride) {
  // Graph constants reach this too (the interpreter): any int64, so the arithmetic is checked.
  int64_t span = 0, reach = 0;
  if (__builtin_mul_overflow(kernel - 1, dilation, &reach) ||
      __builtin_add_overflow(in - 1, pad_a, &span) || __builtin_add_overflow(span, pad_b, &span) ||
      __builtin_sub_overflow(span, reach, &span))
    return -1;
  if (span < 0 || stride < 1 || span % stride != 0) return -1;
  return span / stride + 1;
}

int64_t LayerSpec::in_width() const {
  return layer_op(geometry).in_width(geometry);
}

int64_t LayerSpec::out_width() const {
  return layer_op(geometry).out_width(geometry);
}

std::vector<std::vector<int64_t>> layer_output_shapes(const ModelSpec& m) {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> s = m.input.shape;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const LayerSpec& l = m.layers[i];
    const LayerOp& op = layer_op(l.geometry);
    if (s.size() < op.min_rank || s.size() > op.max_rank ||
        (!op.index_input && s[op.k_axis(s.size())] != l.in_width()))
      throw std::invalid_argument("layer " + std::to_string(i) + " does not fit its input " +
                                  shape_string(s));
    auto next = op.output_shape(s, l.geometry);
    if (!next)
      throw std::invalid_argument("layer " + std::to_string(i) + " has no exact output size for " +
                                  shape_string(s));
    s = std::move(*next);
    out.push_back(s);
  }
  return out;
}

bool is_permutation(const std::vector<int64_t>& order, size_t rank) {
  if (order.empty()) return true;
  if (order.size() != rank) return false;
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < rank; ++i) {
    if (sorted[i] != int64_t(i)) return false;
  }
  return true;
}

ModelSpec parse_model(const nlohmann::json& j) {
  JsonObject root(j, "");
  const int64_t version = root.integer("mxconf_model", 1, 1000);
  if (version != kModelFormatVersion) {
    throw JsonError("/mxconf_model", "version " + std::to_string(version) +
                                         " is not supported (this mxconf reads version " +
                                         std::to_string(kModelFormatVersion) + ")");
  }
  ModelSpec m;
  {
    JsonObject in = root.object("input");
    m.input.name = in.string_or("name", "x");
    m.input.shape = in.int_array("shape", 1, kMaxDim);
    if (m.input.shape.empty() || m.input.shape.size() > 4) {
      throw JsonError(in.child("shape"),
                      "rank " + std::to_string(m.input.shape.size()) + " is not in 1..4",
                      "rank_out_of_range");
    }
    if (in.has("dim_order")) m.input.dim_order = in.int_array("dim_order", 0, 3);
    if (!is_permutation(m.input.dim_order, m.input.shape.size())) {
      throw JsonError(in.child("dim_order"),
                      "is not a permutation of 0.." + std::to_string(m.input.shape.size() - 1),
                      "dim_order_not_permutation");
    }
    m.input.dtype = parse_io_dtype(in, "dtype", /*indices=*/true);
    in.finish();
  }
  // Caps on what one case may ask for (docs/model-format.md, "Limits"): far above anything the
  // generator makes, low enough that a hostile or mistyped file fails here with a clear error
  // instead of growing without bound in the lowering, the interpreter or the oracle.
  auto check_elements = [](const std::string& where, const std::vector<int64_t>& shape,
                           const char* what) {
    int64_t n = 1;
    for (int64_t d : shape) {
      if (__builtin_mul_overflow(n, d, &n) || n > kMaxCaseElements) {
        throw JsonError(where,
                        std::string(what) + " " + shape_string(shape) + " has more than " +
                            std::to_string(kMaxCaseElements) +
                            " elements, the most a case may hold",
                        "too_large");
      }
    }
    return n;
  };
  check_elements("/input/shape", m.input.shape, "the input");
  const auto& layers = root.get("layers");
  if (!layers.is_array() || layers.empty())
    throw JsonError("/layers", "expected a non-empty array");
  if (layers.size() > size_t(kMaxCaseLayers)) {
    throw JsonError("/layers",
                    std::to_string(layers.size()) + " layers; a case may have at most " +
                        std::to_string(kMaxCaseLayers),
                    "too_large");
  }
  int64_t macs = 0;
  std::vector<int64_t> shape = m.input.shape;  // the logical shape each layer sees
  for (size_t i = 0; i < layers.size(); ++i) {
    JsonObject o(layers[i], "/layers/" + std::to_string(i));
    LayerSpec l;
    const std::string type = o.string_or("type", "linear");
    const auto kind = layer_kind_of_json_type(type);
    if (!kind) {
      std::string known;
      for (LayerKind k : kAllLayerKinds)
        known += (known.empty() ? "" : " or ") + std::string(layer_op(k).json_type);
      throw JsonError(o.child("type"), "'" + type + "' is not " + known, "unknown_layer_type");
    }
    if (i > 0 && *kind != m.layers[0].kind()) {
      throw JsonError(o.child("type"),
                      "a model is a chain of layers of one operator (" +
                          std::string(layer_op(m.layers[0].kind()).json_type) + " here), not " +
                          type,
                      "mixed_layer_types");
    }
    const LayerOp& op = layer_op(*kind);
    if (op.index_input != (m.input.dtype == DType::int32)) {
      throw JsonError("/input/dtype",
                      op.index_input
                          ? "an " + type +
                                " layer reads int32 indices; say \"dtype\": "
                                "\"int32\""
                          : "int32 indices are read by an embedding layer only, not " + type,
                      "input_dtype_mismatch");
    }
    if (op.index_input && !m.input.dim_order.empty() &&
        m.input.dim_order != std::vector<int64_t>{0, 1}) {
      // TRANSPOSE of i32 is PRO-INT only (tosa.xml), and these graphs are PRO-FP.
      throw JsonError("/input/dim_order", "int32 indices are read as they are laid out",
                      "embedding_dim_order");
    }
    l.geometry = op.parse(o, i, shape);
    l.bias = o.boolean_or("bias", false);
    if (l.bias && !op.takes_bias) {
      throw JsonError(o.child("bias"), "an " + type + " layer has no bias", "bias_not_taken");
    }
    const std::string payload = o.string("payload");
    const auto p = formats::parse_element_type(payload);
    if (!p) throw JsonError(o.child("payload"), "'" + payload + "' is not an MX payload type");
    if (std::find(op.payloads.begin(), op.payloads.end(), *p) == op.payloads.end()) {
      throw JsonError(o.child("payload"),
                      "'" + payload + "' is not a payload " + std::string(name(op.tosa_op)) +
                          " takes (its type support in tosa.xml)",
                      "unsupported_payload");
    }
    l.payload = *p;
    const std::string rule = o.string_or(
        "weight_scale_rule", std::string(formats::name(formats::kDefaultWeightScaleRule)));
    const auto r = formats::parse_scale_rule(rule);
    if (!r) throw JsonError(o.child("weight_scale_rule"), "'" + rule + "' is not a scale rule");
    l.weight_scale_rule = *r;
    l.weights = parse_source(o.object("weights"), op.weight_shape(l.geometry), op.weight_dim_names);
    if (o.has("bias_values")) {
      if (!l.bias) throw JsonError(o.child("bias_values"), "given but bias is false");
      l.bias_values = parse_source(o.object("bias_values"), {l.out_width()});
    }
    o.finish();
    const std::string where = "/layers/" + std::to_string(i);
    if (op.fan_in(l.geometry) > kMaxCaseFanIn) {
      throw JsonError(where,
                      "fan-in " + std::to_string(op.fan_in(l.geometry)) + " is above " +
                          std::to_string(kMaxCaseFanIn) + ", the most a case may use",
                      "too_large");
    }
    check_elements(where, op.weight_shape(l.geometry), "the weights");
    shape = *op.output_shape(shape, l.geometry);  // the row's parse checked it exists
    const int64_t outputs = check_elements(where, shape, "the output");
    int64_t layer_macs = 0;
    if (__builtin_mul_overflow(outputs, op.fan_in(l.geometry), &layer_macs) ||
        (macs += layer_macs) > kMaxCaseMacs) {
      throw JsonError(where,
                      "the model needs more than " + std::to_string(kMaxCaseMacs) +
                          " multiply-accumulates up to this layer, the most a case may use",
                      "too_large");
    }
    m.layers.push_back(std::move(l));
  }
  if (root.has("output")) {
    JsonObject out = root.object("output");
    m.output.name = out.string_or("name", "y");
    m.output.dtype = parse_io_dtype(out, "dtype");
    if (out.has("dim_order")) m.output.dim_order = out.int_array("dim_order", 0, 3);
    if (!is_permutation(m.output.dim_order, m.input.shape.size())) {
      throw JsonError(out.child("dim_order"), "is not a permutation of the output's dimensions",
                      "dim_order_not_permutation");
    }
    out.finish();
  }
  if (m.output.name == m.input.name) throw JsonError("/output/name", "equals the input's name");
  root.finish();
  return m;
}

std::string_view io_dtype_name(DType t) {
  return t == DType::bf16 ? "bf16" : t == DType::int32 ? "int32" : "fp32";
}

ModelSpec load_model_file(const std::string& path) {
  return parse_model(io::read_json_file(path));
}

nlohmann::json to_json(const ModelSpec& m) {
  nlohmann::json in = {
      {"name", m.input.name}, {"shape", m.input.shape}, {"dtype", io_dtype_name(m.input.dtype)}};
  if (!m.input.dim_order.empty()) in["dim_order"] = m.input.dim_order;
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSpec& l : m.layers) {
    nlohmann::json j = nlohmann::json::object();
    const LayerOp& op = layer_op(l.geometry);
    op.write(l.geometry, j);
    j["bias"] = l.bias;
    j["payload"] = formats::name(l.payload);
    j["weight_scale_rule"] = formats::name(l.weight_scale_rule);
    j["weights"] = source_json(l.weights, op.weight_shape(l.geometry));
    if (l.bias && l.bias_values) j["bias_values"] = source_json(*l.bias_values, {l.out_width()});
    layers.push_back(j);
  }
  nlohmann::json out = {{"name", m.output.name}, {"dtype", io_dtype_name(m.output.dtype)}};
  if (!m.output.dim_order.empty()) out["dim_order"] = m.output.dim_order;
  return {
      {"mxconf_model", kModelFormatVersion}, {"input", in}, {"layers", layers}, {"output", out}};
}

// PyTorch's nn.Linear and nn.Conv2d initialization bound, 1/sqrt(fan_in).
static double default_weight_bound(int64_t fan) {
  return 1.0 / (MXCONF_FAULT(weight_default_bound) ? double(fan) : std::sqrt(double(fan)));
}

static int64_t fan_in(const LayerSpec& l) {
  return layer_op(l.geometry).fan_in(l.geometry);
}

static size_t weight_count(const LayerSpec& l) {
  size_t n = 1;
  for (int64_t d : layer_op(l.geometry).weight_shape(l.geometry)) n *= size_t(d);
  return n;
}

std::vector<float> layer_weights(const LayerSpec& l, size_t index, const std::string& base_dir) {
  return materialize(l.weights, weight_count(l), default_weight_bound(fan_in(l)), base_dir,
                     "layer " + std::to_string(index) + " weights");
}

std::vector<uint8_t> layer_weight_bytes(const LayerSpec& l, size_t index,
                                        const std::string& base_dir) {
  const size_t count = weight_count(l);
  std::vector<uint8_t> bytes(count * 4);
  if (l.weights.kind == ValueSource::Kind::seed) {
    // Straight into the constant's bytes: large weights allocate once.
    const double scale = l.weights.scale > 0 ? l.weights.scale : default_weight_bound(fan_in(l));
    generate_values(l.weights.seed, count, float(scale),
                    [&](size_t i, float x) { std::memcpy(&bytes[i * 4], &x, 4); });
  } else {
    const std::vector<float> v = layer_weights(l, index, base_dir);
    std::memcpy(bytes.data(), v.data(), bytes.size());
  }
  return bytes;
}

std::vector<float> layer_bias(const LayerSpec& l, size_t index, const std::string& base_dir) {
  if (!l.bias) return {};
  // Not given: seeded from the weights' seed (docs/model-format.md).
  ValueSource derived;
  derived.seed = l.weights.seed ^ (MXCONF_FAULT(bias_seed_derivation) ? 0xB1A4 : 0xB1A5);
  return materialize(l.bias_values ? *l.bias_values : derived, size_t(l.out_width()), 0.1, base_dir,
                     "layer " + std::to_string(index) + " bias");
}

std::vector<int64_t> output_shape(const ModelSpec& m) {
  return layer_output_shapes(m).back();
}

}  // namespace mxconf::pipeline

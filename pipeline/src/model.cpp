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

namespace mxconf::pipeline {
namespace {

using io::JsonError;
using io::JsonObject;

constexpr int64_t kMaxDim = int64_t{1} << 24;
constexpr int64_t kMaxK = 1 << 16;
// Kernel, stride, pad and dilation: TOSA's 8K level limit is a validation rule (tosa_validate),
// so the model format admits more and the validator reports the level.
constexpr int64_t kMaxConvArg = 1 << 16;

// Reads a nested array of dims.size() levels (conv2d weights [OC][IC][KH][KW]) into `out`.
template <typename Number>
void read_nested(const nlohmann::json& v, const std::string& path, const std::vector<int64_t>& dims,
                 size_t level, Number number, std::vector<float>& out) {
  static const char* kConvDims[] = {"out_channels", "in_channels", "KH", "KW"};
  if (!v.is_array() || int64_t(v.size()) != dims[level]) {
    throw JsonError(path, "expected an array of " + std::to_string(dims[level]) + " (" +
                              kConvDims[level] + ") entries");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    if (level + 1 == dims.size()) {
      out.push_back(number(v[i], p));
    } else {
      read_nested(v[i], p, dims, level + 1, number, out);
    }
  }
}

// dims: [N] (bias), [N, K] (linear weights) or [OC, IC, KH, KW] (conv2d weights).
ValueSource parse_source(JsonObject o, const std::vector<int64_t>& dims) {
  const int64_t rows = dims[0], cols = dims.size() == 2 ? dims[1] : 0;
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
    if (dims.size() == 4) {
      read_nested(v, p, dims, 0, number, s.values);
    } else if (cols == 0) {  // a vector [rows]
      if (int64_t(v.size()) != rows) {
        throw JsonError(
            p, "has " + std::to_string(v.size()) + " values, expected " + std::to_string(rows),
            "bias_length");
      }
      for (size_t i = 0; i < v.size(); ++i)
        s.values.push_back(number(v[i], p + "/" + std::to_string(i)));
    } else {  // a matrix [rows][cols]
      if (int64_t(v.size()) != rows) {
        throw JsonError(p, "has " + std::to_string(v.size()) +
                               " rows, expected out_features = " + std::to_string(rows));
      }
      for (size_t r = 0; r < v.size(); ++r) {
        const std::string rp = p + "/" + std::to_string(r);
        if (!v[r].is_array() || int64_t(v[r].size()) != cols) {
          throw JsonError(rp,
                          "expected a row of in_features = " + std::to_string(cols) + " numbers");
        }
        for (size_t c = 0; c < v[r].size(); ++c)
          s.values.push_back(number(v[r][c], rp + "/" + std::to_string(c)));
      }
    }
  } else {
    s.kind = ValueSource::Kind::npy;
    s.npy_path = o.string("npy");
    if (s.npy_path.empty()) throw JsonError(o.child("npy"), "empty path");
  }
  o.finish();
  return s;
}

DType parse_io_dtype(JsonObject& o, const std::string& key) {
  const std::string s = o.string_or(key, "fp32");
  if (s == "fp32") return DType::fp32;
  if (s == "bf16") return DType::bf16;
  throw JsonError(o.child(key), "'" + s + "' is not fp32 or bf16");
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

// A conv argument given as one integer (both axes) or as [y, x].
std::array<int64_t, 2> int_pair(JsonObject& o, const std::string& key, int64_t fallback,
                                int64_t min, int64_t max) {
  if (!o.has(key)) return {fallback, fallback};
  const auto& v = o.get(key);
  const std::string p = o.child(key);
  if (v.is_number()) {
    const int64_t x = io::json_integer(v, p, min, max);
    return {x, x};
  }
  if (!v.is_array() || v.size() != 2) throw JsonError(p, "expected an integer or [y, x]");
  return {io::json_integer(v[0], p + "/0", min, max), io::json_integer(v[1], p + "/1", min, max)};
}

// The conv2d keys of layer i, checked against the NCHW `image` before it; `image` becomes the
// layer's output shape.
void parse_conv_layer(JsonObject& o, size_t i, std::vector<int64_t>& image, LayerSpec& l) {
  if (image.size() != 4) {
    throw JsonError(
        "/input/shape",
        "a conv2d model takes a rank-4 NCHW input, not rank " + std::to_string(image.size()),
        "conv_input_rank");
  }
  l.in_features = o.integer("in_channels", 1, kMaxK);
  if (l.in_features % 32 != 0) {
    throw JsonError(
        o.child("in_channels"),
        std::to_string(l.in_features) + " is not a multiple of 32 (IC % block_size must be 0)",
        "ic_not_multiple_of_32");
  }
  if (l.in_features != image[1]) {
    throw JsonError(o.child("in_channels"),
                    std::to_string(l.in_features) + " does not match the " +
                        (i == 0 ? "input's channel dimension C = " : "previous out_channels ") +
                        std::to_string(image[1]),
                    "in_channels_mismatch");
  }
  l.out_features = o.integer("out_channels", 1, kMaxDim);
  if (o.integer_or("groups", 1, 1, kMaxDim) != 1) {
    throw JsonError(o.child("groups"), "only groups = 1 is supported (as in ExecuTorch's lowering)",
                    "groups_unsupported");
  }
  Conv2dParams& c = l.conv;
  if (!o.has("kernel")) throw JsonError(o.child("kernel"), "missing (give [KH, KW])");
  c.kernel = int_pair(o, "kernel", 1, 1, kMaxConvArg);
  c.stride = int_pair(o, "stride", 1, 1, kMaxConvArg);
  c.dilation = int_pair(o, "dilation", 1, 1, kMaxConvArg);
  if (o.has("pad") && o.has("padding")) {
    throw JsonError(o.child("pad"), "give padding (symmetric) or pad (4 values), not both");
  }
  if (o.has("pad")) {
    const std::vector<int64_t> p = o.int_array("pad", 0, kMaxConvArg);
    if (p.size() != 4)
      throw JsonError(o.child("pad"), "expected 4 values [top, bottom, left, right]");
    c.pad = {p[0], p[1], p[2], p[3]};
    c.symmetric = false;
  } else {
    const auto p = int_pair(o, "padding", 0, 0, kMaxConvArg);
    c.pad = {p[0], p[0], p[1], p[1]};
  }
  const int64_t oh =
      conv_output_size(image[2], c.pad[0], c.pad[1], c.kernel[0], c.dilation[0], c.stride[0]);
  const int64_t ow =
      conv_output_size(image[3], c.pad[2], c.pad[3], c.kernel[1], c.dilation[1], c.stride[1]);
  if (oh < 0 || ow < 0) {
    throw JsonError(o.child("kernel"),
                    "the output size is not an exact integer for input H x W = " +
                        std::to_string(image[2]) + " x " + std::to_string(image[3]) +
                        ": TOSA needs (IH - 1 + pad_top + pad_bottom - (KH - 1) * dilation_y) "
                        "to be >= 0 and divisible by stride_y (likewise for W)",
                    "conv_output_size");
  }
  image = {image[0], l.out_features, oh, ow};
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

std::vector<int64_t> weight_shape(const LayerSpec& l) {
  if (l.kind == LayerKind::linear) return {l.out_features, l.in_features};
  return {l.out_features, l.in_features, l.conv.kernel[0], l.conv.kernel[1]};
}

int64_t fan_in(const LayerSpec& l) {
  return l.kind == LayerKind::linear ? l.in_features
                                     : l.in_features * l.conv.kernel[0] * l.conv.kernel[1];
}

std::vector<std::vector<int64_t>> conv_shapes(const ModelSpec& m) {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> s = m.input.shape;
  for (const LayerSpec& l : m.layers) {
    if (l.kind != LayerKind::conv2d || s.size() != 4) break;
    const Conv2dParams& c = l.conv;
    s = {s[0], l.out_features,
         conv_output_size(s[2], c.pad[0], c.pad[1], c.kernel[0], c.dilation[0], c.stride[0]),
         conv_output_size(s[3], c.pad[2], c.pad[3], c.kernel[1], c.dilation[1], c.stride[1])};
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
    m.input.dtype = parse_io_dtype(in, "dtype");
    in.finish();
  }
  const auto& layers = root.get("layers");
  if (!layers.is_array() || layers.empty())
    throw JsonError("/layers", "expected a non-empty array");
  int64_t prev = m.input.shape.back();
  std::vector<int64_t> image = m.input.shape;  // conv2d chains: the NCHW shape so far
  for (size_t i = 0; i < layers.size(); ++i) {
    JsonObject o(layers[i], "/layers/" + std::to_string(i));
    LayerSpec l;
    const std::string type = o.string_or("type", "linear");
    if (type == "conv2d") {
      l.kind = LayerKind::conv2d;
    } else if (type != "linear") {
      throw JsonError(o.child("type"), "'" + type + "' is not linear or conv2d",
                      "unknown_layer_type");
    }
    if (i > 0 && l.kind != m.layers[0].kind) {
      throw JsonError(o.child("type"),
                      "a model is a chain of linear layers or a chain of conv2d layers, not both",
                      "mixed_layer_types");
    }
    if (l.kind == LayerKind::linear) {
      l.in_features = o.integer("in_features", 1, kMaxK);
      if (l.in_features % 32 != 0) {
        throw JsonError(
            o.child("in_features"),
            std::to_string(l.in_features) + " is not a multiple of 32 (the MX block size)",
            "k_not_multiple_of_32");
      }
      if (l.in_features != prev) {
        throw JsonError(o.child("in_features"),
                        std::to_string(l.in_features) + " does not match the " +
                            (i == 0 ? "input's last dimension " : "previous out_features ") +
                            std::to_string(prev),
                        "in_features_mismatch");
      }
      l.out_features = o.integer("out_features", 1, kMaxDim);
    } else {
      parse_conv_layer(o, i, image, l);
    }
    l.bias = o.boolean_or("bias", false);
    const std::string payload = o.string("payload");
    const auto p = formats::parse_element_type(payload);
    if (!p) throw JsonError(o.child("payload"), "'" + payload + "' is not an MX payload type");
    l.payload = *p;
    const std::string rule = o.string_or(
        "weight_scale_rule", std::string(formats::name(formats::kDefaultWeightScaleRule)));
    const auto r = formats::parse_scale_rule(rule);
    if (!r) throw JsonError(o.child("weight_scale_rule"), "'" + rule + "' is not a scale rule");
    l.weight_scale_rule = *r;
    l.weights = parse_source(o.object("weights"), weight_shape(l));
    if (o.has("bias_values")) {
      if (!l.bias) throw JsonError(o.child("bias_values"), "given but bias is false");
      l.bias_values = parse_source(o.object("bias_values"), {l.out_features});
    }
    o.finish();
    prev = l.out_features;
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

ModelSpec load_model_file(const std::string& path) {
  return parse_model(io::read_json_file(path));
}

nlohmann::json to_json(const ModelSpec& m) {
  nlohmann::json in = {{"name", m.input.name},
                       {"shape", m.input.shape},
                       {"dtype", m.input.dtype == DType::bf16 ? "bf16" : "fp32"}};
  if (!m.input.dim_order.empty()) in["dim_order"] = m.input.dim_order;
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSpec& l : m.layers) {
    nlohmann::json j;
    if (l.kind == LayerKind::linear) {
      j = {{"in_features", l.in_features}, {"out_features", l.out_features}};
    } else {
      const Conv2dParams& c = l.conv;
      j = {{"type", "conv2d"},   {"in_channels", l.in_features}, {"out_channels", l.out_features},
           {"kernel", c.kernel}, {"stride", c.stride},           {"dilation", c.dilation}};
      if (c.symmetric) {
        j["padding"] = std::array<int64_t, 2>{c.pad[0], c.pad[2]};
      } else {
        j["pad"] = c.pad;
      }
    }
    j["bias"] = l.bias;
    j["payload"] = formats::name(l.payload);
    j["weight_scale_rule"] = formats::name(l.weight_scale_rule);
    j["weights"] = source_json(l.weights, weight_shape(l));
    if (l.bias && l.bias_values) j["bias_values"] = source_json(*l.bias_values, {l.out_features});
    layers.push_back(j);
  }
  nlohmann::json out = {{"name", m.output.name},
                        {"dtype", m.output.dtype == DType::bf16 ? "bf16" : "fp32"}};
  if (!m.output.dim_order.empty()) out["dim_order"] = m.output.dim_order;
  return {
      {"mxconf_model", kModelFormatVersion}, {"input", in}, {"layers", layers}, {"output", out}};
}

// PyTorch's nn.Linear and nn.Conv2d initialization bound, 1/sqrt(fan_in).
static double default_weight_bound(int64_t fan) {
  return 1.0 / (MXCONF_FAULT(weight_default_bound) ? double(fan) : std::sqrt(double(fan)));
}

static size_t weight_count(const LayerSpec& l) {
  return size_t(l.out_features * fan_in(l));
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
  return materialize(l.bias_values ? *l.bias_values : derived, size_t(l.out_features), 0.1,
                     base_dir, "layer " + std::to_string(index) + " bias");
}

std::vector<int64_t> output_shape(const ModelSpec& m) {
  if (!m.layers.empty() && m.layers[0].kind == LayerKind::conv2d) return conv_shapes(m).back();
  std::vector<int64_t> s = m.input.shape;
  s.back() = m.layers.back().out_features;
  return s;
}

}  // namespace mxconf::pipeline

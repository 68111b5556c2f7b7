#include "mxconf/runner/model_values.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "mxconf/io/npy.h"
#include "mxconf/runner/judge_ops.h"

namespace mxconf::runner {
namespace {

// docs/model-format.md, "Sources": SplitMix64 from the seed; each 64-bit output r gives two
// values, first from bits 63..40, then from bits 31..8 (each a 24-bit integer u), as
// (u * 2^-23 - 1) * scale in fp32.
class SeededValues {
 public:
  explicit SeededValues(uint64_t seed) : state_(seed) {}
  float next(float scale) {
    if (!pending_) {
      word_ = splitmix();
      pending_ = true;
      return to_value(uint32_t(word_ >> 40), scale);
    }
    pending_ = false;
    return to_value(uint32_t((word_ >> 8) & 0xFFFFFF), scale);
  }

 private:
  uint64_t splitmix() {
    state_ += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  static float to_value(uint32_t u24, float scale) {
    return (float(u24) * 0x1p-23f - 1.0f) * scale;
  }
  uint64_t state_;
  uint64_t word_ = 0;
  bool pending_ = false;
};

std::vector<float> values_of(const pipeline::ValueSource& s, size_t count, double default_bound,
                             const std::string& base_dir, const char* what) {
  using Kind = pipeline::ValueSource::Kind;
  if (s.kind == Kind::values || s.kind == Kind::bits) {
    if (s.values.size() != count) {
      throw std::runtime_error(std::string(what) + ": " + std::to_string(s.values.size()) +
                               " inline values, expected " + std::to_string(count));
    }
    return s.values;
  }
  if (s.kind == Kind::npy) {
    std::filesystem::path p(s.npy_path);
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    const io::NpyFile a = io::NpyFile::open(p.string());
    if (a.dtype() != io::NpyDtype::f4 || a.element_count() != count) {
      throw std::runtime_error(std::string(what) + ": " + p.string() + " is not " +
                               std::to_string(count) + " float32 values");
    }
    const auto v = a.values<float>();
    return std::vector<float>(v.begin(), v.end());
  }
  const float bound = float(s.scale > 0 ? s.scale : default_bound);
  SeededValues gen(s.seed);
  std::vector<float> v(count);
  for (float& x : v) x = gen.next(bound);
  return v;
}

}  // namespace

std::vector<float> expected_weights(const pipeline::LayerSpec& l, const std::string& base_dir) {
  // Default bound 1/sqrt(fan_in): PyTorch's nn.Linear and nn.Conv2d initialization, with fan_in
  // the dot product's length (the judge's own table: K, or IC * KH * KW).
  const JudgeOp& op = judge_op(l.kind());
  const int64_t fan = op.ks(l.geometry);
  return values_of(l.weights, size_t(op.weight_count(l.geometry)), 1.0 / std::sqrt(double(fan)),
                   base_dir, "weights");
}

std::vector<float> expected_bias(const pipeline::LayerSpec& l, const std::string& base_dir) {
  if (!l.bias) return {};
  if (l.bias_values)
    return values_of(*l.bias_values, size_t(judge_op(l.kind()).out_width(l.geometry)), 0.1,
                     base_dir, "bias");
  // Not given: a seeded source whose seed is the weights' seed XOR 0xB1A5, bound 0.1.
  pipeline::ValueSource derived;
  derived.seed = l.weights.seed ^ 0xB1A5;
  return values_of(derived, size_t(judge_op(l.kind()).out_width(l.geometry)), 0.1, base_dir,
                   "bias");
}

}  // namespace mxconf::runner

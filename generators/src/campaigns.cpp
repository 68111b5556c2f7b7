#include "mxconf/generators/campaigns.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "mxconf/generators/adversarial_blocks.h"
#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/format_model.h"
#include "mxconf/oracles/layout.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/vocabulary/named.h"

namespace mxconf::generators {
namespace {

constexpr Named<Campaign> kNames[] = {
    {Campaign::tosa_s0, "tosa_s0"},
    {Campaign::tosa_s1, "tosa_s1"},
    {Campaign::tosa_s2, "tosa_s2"},
    {Campaign::tosa_s3, "tosa_s3"},
    {Campaign::tosa_s4, "tosa_s4"},
    {Campaign::tosa_s5, "tosa_s5"},
    {Campaign::normal, "normal"},
    {Campaign::uniform, "uniform"},
    {Campaign::block_contrast, "block_contrast"},
    {Campaign::exact_ties, "exact_ties"},
    {Campaign::rule_cutoffs, "rule_cutoffs"},
    {Campaign::specials, "specials"},
    {Campaign::e8m0_extremes, "e8m0_extremes"},
    {Campaign::fixed, "fixed"},
    {Campaign::padding_heavy, "padding_heavy"},
    {Campaign::level_limits, "level_limits"},
};
static_assert(std::size(kNames) == size_t(Campaign::count));

// fp32's B for fp32 -> fp32 dot products (conformance-practice.md §5): 2^64 - 2^40.
constexpr double kB = 18446742974197923840.0;

// Small, portable distributions over mt19937_64 (std:: distributions differ across libraries).
struct Rng {
  explicit Rng(uint64_t seed) : g(seed) {}
  double uniform() { return double(g() >> 11) * 0x1p-53; }  // [0, 1)
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  uint64_t below(uint64_t n) { return g() % n; }
  std::mt19937_64 g;
};

float sg(float u) {
  return u < 0 ? -1.0f : 1.0f;
}

// The adversarial campaigns shape the input for the cast it meets first: layer 0's payload.
const oracles::FormatSpec& payload_format(const pipeline::ModelSpec& m) {
  return oracle_format(m.layers.front().payload);
}

// One block of 32 values for the adversarial campaigns.
void fill_block(Campaign c, const oracles::FormatSpec& f, Rng& rng, float* out) {
  const int top = int(rng.below(40)) - 20;
  switch (c) {
    case Campaign::exact_ties: {
      std::vector<double> mags;
      for (int code = 0; code < f.code_count() / 2; ++code) {
        if (std::isfinite(f.value(uint8_t(code)))) mags.push_back(f.value(uint8_t(code)));
      }
      std::sort(mags.begin(), mags.end());
      for (int i = 0; i < 32; ++i) {
        const size_t k = rng.below(mags.size() - 1);
        out[i] =
            float(std::ldexp((mags[k] + mags[k + 1]) / 2, top)) * (rng.below(2) ? -1.0f : 1.0f);
      }
      out[rng.below(32)] = float(std::ldexp(mags.back(), top));  // pins the scale to 2^top
      break;
    }
    case Campaign::rule_cutoffs: {
      const auto cuts = AdversarialBlockSource::cutoff_mantissas(f);
      const float amax = float(std::ldexp(cuts[rng.below(cuts.size())], top));
      const uint32_t bits = std::bit_cast<uint32_t>(amax) + uint32_t(int(rng.below(3)) - 1);
      for (int i = 0; i < 32; ++i) out[i] = float((rng.uniform() * 2 - 1) * amax * 0.9);
      out[rng.below(32)] = std::bit_cast<float>(bits);
      break;
    }
    case Campaign::specials: {
      const uint64_t kind = rng.below(4);
      for (int i = 0; i < 32; ++i) {
        if (kind == 0) {  // fp32 subnormals only
          out[i] =
              std::bit_cast<float>(uint32_t(rng.below(0x800000)) | uint32_t(rng.below(2)) << 31);
        } else if (kind == 1) {  // signed zeros
          out[i] = rng.below(2) ? -0.0f : 0.0f;
        } else {
          out[i] = float(rng.normal());
        }
      }
      if (kind == 2) {
        const float specials[] = {NAN, INFINITY, -INFINITY};
        out[rng.below(32)] = specials[rng.below(3)];
      }
      break;
    }
    case Campaign::e8m0_extremes: {
      const bool high = rng.below(2);
      for (int i = 0; i < 32; ++i) {
        const int e = high ? 127 - int(rng.below(6)) : -118 - int(rng.below(25));
        out[i] = float(std::ldexp(1.0 + rng.uniform(), e) * (rng.below(2) ? -1 : 1));
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace

std::string_view name(Campaign c) {
  return name_in(kNames, c);
}

std::optional<Campaign> parse_campaign(std::string_view s) {
  return parse_in(kNames, s);
}

bool is_numeric(Campaign c) {
  return c == Campaign::normal || c == Campaign::uniform || c == Campaign::block_contrast;
}

bool wants_bias_check(Campaign c) {
  return c == Campaign::tosa_s3 || c == Campaign::tosa_s4 || c == Campaign::tosa_s5;
}

std::optional<int> tosa_set(Campaign c) {
  if (uint8_t(c) <= uint8_t(Campaign::tosa_s5)) return int(c);
  return std::nullopt;
}

float tosa_set_data(uint32_t set, uint32_t i) {
  const uint32_t m = (8u * set + 1u) * 0x705A5E75u;
  uint32_t r = m + 1u;
  for (uint32_t k = 0; k < i; ++k) r = r * m + 1u;
  const float sign = (r >> 31) == 0 ? 1.0f : -1.0f;
  return sign * float(r & 0x7FFFFFFFu) / float(0x7FFFFFFF);
}

TosaDotProductData::TosaDotProductData(int set, int64_t ks, int p, size_t count)
    : set_(set), p_(p), ks_(ks) {
  // Only the streams u_j that tosa_pro_fp_data reads for this p and set are generated, stepping
  // the recurrence instead of restarting it per index; sets 1 and 3 read u_j(2i) and u_j(2i+1).
  const bool both = set == 0 || set == 4;
  const bool wanted[3] = {p == 0 || (p == 1 && both), p == 1 || (p == 0 && both),
                          p == 2 && set == 1};
  const size_t max_index = (set == 1 || set == 3) ? 2 * count : count;
  for (int j = 0; j < 3; ++j) {
    if (!wanted[j]) continue;
    const uint32_t s = uint32_t(3 * set + j);
    const uint32_t m = (8u * s + 1u) * 0x705A5E75u;
    uint32_t r = m + 1u;
    std::vector<float>& u = u_[size_t(j)];
    u.resize(max_index);
    for (size_t i = 0; i < max_index; ++i) {
      const float sign = (r >> 31) == 0 ? 1.0f : -1.0f;
      // float(0x7FFFFFFF) rounds to 2^31, so the division is this exact multiplication.
      u[i] = sign * (float(r & 0x7FFFFFFFu) * 0x1p-31f);
      r = r * m + 1u;
    }
  }
}

float TosaDotProductData::value(int64_t k, uint32_t i) const {
  const double ks = double(ks_);
  const int p = p_;
  const int j = p;  // u0 for the input, u1 for the weight, u2 for the bias
  switch (set_) {
    case 0:
      if (p == 2) return 0.0f;
      return p == 0 ? (u(0, i) < 0 ? 0.0f : u(1, i)) : (u(0, i) < 0 ? u(1, i) : 0.0f);
    case 1: {
      const float x = 0.75f * sg(u(j, 2 * i)) + 0.25f * u(j, 2 * i + 1);
      if (p == 2) return float(kB * kB / (ks + 1) * x);
      return float(kB / std::sqrt(ks + 1) * x);
    }
    case 2:
      if (p == 2) return 0.0f;
      return k == 0 ? 1.0f : float(u(j, i) / std::sqrt(ks));
    case 3:
      if (p == 2) return 0.0f;
      return k == 0 ? 16.0f * sg(u(j, 2 * i))
                    : float(std::exp(2.0 * u(j, 2 * i)) * u(j, 2 * i + 1));
    case 4:
      if (p == 2) return 0.0f;
      if (k == ks_ / 2) return (p == 0 ? 0.5f : -0.5f) * sg(u(0, i));
      if (p == 0) return u(0, i) < 0 ? 0.0f : float(kB / std::sqrt(ks) * u(1, i));
      return u(0, i) < 0 ? float(kB / std::sqrt(ks) * u(1, i)) : 0.0f;
    default:
      if (p == 2) return 0.0f;
      return float(kB / std::sqrt(ks) * u(j, i));
  }
}

namespace {

// The logical axes with the K axis moved last: the order in which the op's cast sees the input
// (blocks along K), e.g. NHWC for a conv2d's NCHW input.
std::vector<int64_t> k_last_order(const pipeline::ModelSpec& m) {
  const size_t rank = m.input.shape.size();
  const size_t k_axis = pipeline::layer_op(m.layers.front().geometry).k_axis(rank);
  std::vector<int64_t> order;
  for (size_t d = 0; d < rank; ++d)
    if (d != k_axis) order.push_back(int64_t(d));
  order.push_back(int64_t(k_axis));
  return order;
}

std::vector<float> campaign_rows(const pipeline::ModelSpec& m, const DataSpec& data, int64_t rows,
                                 int64_t k);

}  // namespace

// A `fixed` campaign's values, given as fp32 bits, checked against the count the model reads.
static std::vector<float> fixed_values(const DataSpec& data, size_t count) {
  if (data.input_bits.size() != count) {
    throw std::runtime_error("the fixed input holds " + std::to_string(data.input_bits.size()) +
                             " values; the model's input has " + std::to_string(count));
  }
  std::vector<float> x(count);
  for (size_t i = 0; i < count; ++i) x[i] = std::bit_cast<float>(data.input_bits[i]);
  return x;
}

// An embedding's input: W row indices of a table of V rows, as floats holding integers. The
// first and last index name the table's first and last row (ROW_GATHER's edges, 0 and K - 1);
// the others are drawn from the seed. A `fixed` input gives them itself.
static std::vector<float> index_input(const pipeline::ModelSpec& m, const DataSpec& data) {
  const int64_t w = m.input.shape.back(), v = m.layers.front().in_width();
  if (data.campaign == Campaign::fixed) return fixed_values(data, size_t(w));
  std::vector<float> x(static_cast<size_t>(w));
  Rng rng(data.seed);
  for (float& i : x) i = float(rng.below(uint64_t(v)));
  x.front() = 0;
  if (w > 1) x.back() = float(v - 1);
  return x;
}

std::vector<float> campaign_input(const pipeline::ModelSpec& m, const DataSpec& data) {
  if (pipeline::layer_op(m.layers.front().geometry).index_input) return index_input(m, data);
  const std::vector<int64_t> order = k_last_order(m);
  const int64_t k = m.input.shape[size_t(order.back())];
  int64_t rows = 1;
  for (int64_t d : m.input.shape) rows *= d;
  rows /= k;
  std::vector<float> x = campaign_rows(m, data, rows, k);
  // A fixed input is given in the logical order already.
  if (data.campaign == Campaign::fixed) return x;
  return oracles::unpermute_dims(x, oracles::permuted_shape(m.input.shape, order), order);
}

namespace {

std::vector<float> campaign_rows(const pipeline::ModelSpec& m, const DataSpec& data, int64_t rows,
                                 int64_t k) {
  const Campaign c = data.campaign;
  std::vector<float> x(size_t(rows * k));
  Rng rng(data.seed);
  if (c == Campaign::fixed) {
    x = fixed_values(data, x.size());
  } else if (auto s = tosa_set(c)) {
    // tosa_pro_fp_data(S, KS, 0, k, i): KS the first layer's dot product length, k the element's
    // position in it (its operator row says), i its index in the rows.
    const pipeline::LayerSpec& l0 = m.layers.front();
    const pipeline::LayerOp& op = pipeline::layer_op(l0.geometry);
    const std::vector<int64_t> k_last = oracles::permuted_shape(m.input.shape, k_last_order(m));
    const TosaDotProductData d(*s, op.fan_in(l0.geometry), 0, size_t(rows * k));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t col = 0; col < k; ++col)
        x[size_t(r * k + col)] =
            d.value(op.data_set_k(l0.geometry, k_last, r, col), uint32_t(r * k + col));
    }
  } else if (c == Campaign::normal || c == Campaign::padding_heavy || c == Campaign::level_limits) {
    const double scale = std::ldexp(1.0, data.params.value("magnitude", 0));
    for (float& v : x) v = float(rng.normal() * scale);
  } else if (c == Campaign::uniform) {
    for (float& v : x) v = float(rng.uniform());
  } else if (c == Campaign::block_contrast) {
    for (size_t i = 0; i < x.size(); ++i) {
      const bool small = ((i / 32) % 2 == 0) != ((i / size_t(k)) % 2 == 1);
      x[i] = float((small ? 1e-3 : 100.0) * rng.normal());
    }
  } else {
    const oracles::FormatSpec& f = payload_format(m);
    for (size_t b = 0; b < x.size() / 32; ++b) fill_block(c, f, rng, &x[b * 32]);
  }
  if (m.input.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
  }
  return x;
}

}  // namespace

pipeline::ModelSpec campaign_model(const pipeline::ModelSpec& m, const DataSpec& data) {
  const pipeline::LayerSpec& l0 = m.layers.front();
  if (!pipeline::layer_op(l0.geometry).index_input || data.campaign == Campaign::fixed)
    return campaign_model(m, data.campaign);
  // An embedding casts no activation: the campaign's values go into its table instead, V rows
  // of D made as an input's rows are (TOSA's sets are defined for dot products; the table takes
  // the input set p = 0 with KS = 1, each row's column as k). Seeded apart from the indices.
  pipeline::ModelSpec out = m;
  pipeline::LayerSpec& l = out.layers.front();
  const int64_t v = l.in_width(), d = l.out_width();
  DataSpec table = data;
  table.seed = data.seed ^ 0x7AB1E5EEDULL;
  l.weights = {};
  l.weights.kind = pipeline::ValueSource::Kind::values;
  l.weights.values = campaign_rows(m, table, v, d);
  return out;
}

pipeline::ModelSpec campaign_model(const pipeline::ModelSpec& m, Campaign c) {
  if (c == Campaign::e8m0_extremes) {
    // Tiny weights too: their scales sit near the E8M0 floor, so sA * sB can underflow fp32.
    pipeline::ModelSpec out = m;
    for (pipeline::LayerSpec& l : out.layers) {
      if (l.weights.kind == pipeline::ValueSource::Kind::seed)
        l.weights.scale = std::ldexp(1.0, -40);
    }
    return out;
  }
  const auto s = tosa_set(c);
  if (!s) return m;
  pipeline::ModelSpec out = m;
  for (pipeline::LayerSpec& l : out.layers) {
    // KS is the dot product's length; column k of an output's data runs in the order the op sums
    // (for conv2d the OHWI row, tap-major), stored where the logical weights hold it (OIHW).
    const pipeline::LayerOp& op = pipeline::layer_op(l.geometry);
    const int64_t ks = op.fan_in(l.geometry), outs = l.out_width();
    const TosaDotProductData d(*s, ks, 1, size_t(outs * ks));
    l.weights = {};
    l.weights.kind = pipeline::ValueSource::Kind::values;
    l.weights.values.resize(size_t(outs * ks));
    for (int64_t x = 0; x < outs; ++x) {
      for (int64_t col = 0; col < ks; ++col) {
        const size_t at = op.contraction_offset ? op.contraction_offset(l.geometry, x, col)
                                                : size_t(x * ks + col);
        l.weights.values[at] = d.value(col, uint32_t(x * ks + col));
      }
    }
    if (l.bias) {
      pipeline::ValueSource b;
      b.kind = pipeline::ValueSource::Kind::values;
      const TosaDotProductData bias(*s, ks, 2, size_t(outs));
      for (int64_t x = 0; x < outs; ++x) b.values.push_back(bias.value(0, uint32_t(x)));
      l.bias_values = std::move(b);
    }
  }
  return out;
}

}  // namespace mxconf::generators

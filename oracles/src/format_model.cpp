#include "mxconf/oracles/format_model.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace mxconf::oracles {
namespace {

// Non-negative finite magnitudes with their (positive) codes, ascending, as two flat arrays so the
// search in quantize compares doubles only.
struct ValueTable {
  std::vector<double> mags;
  std::vector<uint8_t> codes;
  size_t size() const { return mags.size(); }
};

ValueTable build_value_table(const FormatSpec& f) {
  std::vector<std::pair<double, uint8_t>> pairs;
  for (int c = 0; c < f.code_count() / 2; ++c) {
    const double v = f.value(uint8_t(c));
    if (std::isfinite(v)) pairs.emplace_back(v, uint8_t(c));
  }
  std::sort(pairs.begin(), pairs.end());
  ValueTable table;
  for (const auto& [v, c] : pairs) {
    table.mags.push_back(v);
    table.codes.push_back(c);
  }
  return table;
}

struct KnownFormat {
  const FormatSpec* spec;
  ValueTable table;
  std::array<double, 256> values;
};

const std::vector<KnownFormat>& known_formats() {
  static const std::vector<KnownFormat> known = [] {
    std::vector<KnownFormat> v;
    for (const FormatSpec* spec : all_formats()) {
      KnownFormat k{spec, build_value_table(*spec), {}};
      for (int c = 0; c < 256; ++c)
        k.values[size_t(c)] = c < spec->code_count() ? spec->value(uint8_t(c)) : 0.0;
      v.push_back(std::move(k));
    }
    return v;
  }();
  return known;
}

const ValueTable& value_table(const FormatSpec& f) {
  // The five suite formats are static singletons: their tables are built once (thread-safe
  // static init) and found by address. Any other parameter set a test invents is cached per
  // thread by name.
  for (const KnownFormat& k : known_formats()) {
    if (k.spec == &f) return k.table;
  }
  thread_local std::map<std::string_view, ValueTable> others;
  auto it = others.find(f.name);
  if (it == others.end()) it = others.emplace(f.name, build_value_table(f)).first;
  return it->second;
}

}  // namespace

bool FormatSpec::is_nan(uint8_t code) const {
  if (fixed_point) return false;
  const int e = (code >> man_bits) & ((1 << exp_bits) - 1);
  const int m = code & ((1 << man_bits) - 1);
  const bool top = e == (1 << exp_bits) - 1;
  switch (nan) {
    case NanEncoding::none:
      return false;
    case NanEncoding::all_ones:
      return top && m == (1 << man_bits) - 1;
    case NanEncoding::ieee:
      return top && m != 0;
  }
  return false;
}

bool FormatSpec::is_inf(uint8_t code) const {
  const int e = (code >> man_bits) & ((1 << exp_bits) - 1);
  const int m = code & ((1 << man_bits) - 1);
  return has_inf() && e == (1 << exp_bits) - 1 && m == 0;
}

double FormatSpec::value(uint8_t code) const {
  if (fixed_point) {
    // Two's complement: the top bit weighs -2^(code_bits-1).
    const int top = 1 << (code_bits() - 1);
    const int q = (code & (top - 1)) - (code & top);
    return std::ldexp(double(q), -man_bits);
  }
  if (is_nan(code)) return std::numeric_limits<double>::quiet_NaN();
  const double sign = (code & sign_mask()) ? -1.0 : 1.0;
  if (is_inf(code)) return sign * std::numeric_limits<double>::infinity();
  const int e = (code >> man_bits) & ((1 << exp_bits) - 1);
  const int m = code & ((1 << man_bits) - 1);
  const double frac = double(m) / double(1 << man_bits);
  // (-1)^S * 2^(E-bias) * (1 + M/2^mb) for normals; (-1)^S * 2^(1-bias) * (M/2^mb) for E == 0.
  return e == 0 ? sign * std::ldexp(frac, 1 - bias) : sign * std::ldexp(1.0 + frac, e - bias);
}

const double* FormatSpec::values() const {
  for (const KnownFormat& k : known_formats()) {
    if (k.spec == this) return k.values.data();
  }
  thread_local std::map<std::string_view, std::array<double, 256>> others;
  auto it = others.find(name);
  if (it == others.end()) {
    std::array<double, 256> v{};
    for (int c = 0; c < code_count(); ++c) v[size_t(c)] = value(uint8_t(c));
    it = others.emplace(name, v).first;
  }
  return it->second.data();
}

double FormatSpec::max_finite() const {
  return value_table(*this).mags.back();
}
uint8_t FormatSpec::max_finite_code() const {
  return value_table(*this).codes.back();
}
double FormatSpec::normal_min() const {
  return fixed_point ? std::ldexp(1.0, -man_bits) : std::ldexp(1.0, 1 - bias);
}

double FormatSpec::ulp_of(double r) const {
  if (fixed_point) return std::ldexp(1.0, -man_bits);
  const double a = std::fabs(r);
  const double binade = (a == 0 || !std::isfinite(a)) ? 0.0 : std::ldexp(1.0, std::ilogb(a));
  return std::max(binade, normal_min()) * std::ldexp(1.0, -man_bits);
}

double FormatSpec::ulp_at_max() const {
  const ValueTable& t = value_table(*this);
  return t.mags[t.size() - 1] - t.mags[t.size() - 2];
}

namespace {

// Fixed point: round v / quantum to an integer, ties to even, then clamp to the code range. The
// format has no Inf or NaN, so overflow saturates under either policy (the spec leaves it open:
// tosa-mx-spec.md §1, UNVERIFIED). The most negative code (-2 for mxint8) is a value like any
// other.
uint8_t quantize_fixed(const FormatSpec& f, double v) {
  if (std::isnan(v)) return f.nan_code();
  const double top = std::ldexp(1.0, f.code_bits() - 1);
  const double q = std::nearbyint(std::clamp(std::ldexp(v, f.man_bits), -top, top - 1));
  return uint8_t(int64_t(q) & (f.code_count() - 1));
}

uint8_t quantize_in(const FormatSpec& f, const ValueTable& t, double v, OverflowPolicy overflow) {
  if (f.fixed_point) return quantize_fixed(f, v);
  if (std::isnan(v)) return f.nan_code();
  const uint8_t sign = std::signbit(v) ? f.sign_mask() : uint8_t{0};
  const double mag = std::fabs(v);
  const double max_v = t.mags.back();
  const uint8_t max_code = t.codes.back();

  auto overflowed = [&]() -> uint8_t {
    if (overflow == OverflowPolicy::tosa) {
      if (f.has_inf()) return uint8_t((max_code + 1) | sign);  // the Inf code follows max
      if (f.has_nan()) return f.nan_code();
    }
    return uint8_t(max_code | sign);
  };
  if (mag > max_v) {
    // Past max the next candidate would be max + ulp, whose code is max_code + 1: RNE applies.
    const double mid = max_v + (max_v - t.mags[t.size() - 2]) / 2;
    if (mag < mid) return uint8_t(max_code | sign);
    if (mag > mid) return overflowed();
    return (max_code % 2 == 0) ? uint8_t(max_code | sign) : overflowed();
  }
  // mag <= max: round to the quantum of mag's binade (the subnormal quantum below normal_min).
  // With e that binade's exponent and q the rounded count of quanta (implicit bit included),
  // value() inverts to code = ((e + bias - 1) << man_bits) + q; q == 2^(man_bits+1) carries into
  // the next binade, and the subnormal range (e = 1 - bias, q <= 2^man_bits) falls out as code q.
  // tests/test_exact_dot.cpp checks this against a brute-force nearest-value search.
  const int binade_exp = int((std::bit_cast<uint64_t>(mag) >> 52) & 0x7FF) - 1023;
  const int e = std::max(binade_exp, 1 - f.bias);
  const double quantum = std::bit_cast<double>(uint64_t(e - f.man_bits + 1023) << 52);
  constexpr double kRne = 0x1p52;  // adding and removing 2^52 rounds to an integer, ties to even
  const double q = (mag / quantum + kRne) - kRne;  // mag / quantum < 2^(man_bits+1): exact
  const int code = ((e + f.bias - 1) << f.man_bits) + int(q);
  return uint8_t(code | sign);
}

}  // namespace

uint8_t FormatSpec::quantize(double v, OverflowPolicy overflow) const {
  return quantize_in(*this, value_table(*this), v, overflow);
}

void FormatSpec::quantize_each(std::span<const double> in, double divisor, OverflowPolicy overflow,
                               uint8_t* out) const {
  const ValueTable& t = value_table(*this);
  for (size_t i = 0; i < in.size(); ++i) out[i] = quantize_in(*this, t, in[i] / divisor, overflow);
}

const FormatSpec& fp8e4m3() {
  static const FormatSpec f{"fp8e4m3", 4, 3, 7, NanEncoding::all_ones, 8};
  return f;
}
const FormatSpec& fp8e5m2() {
  static const FormatSpec f{"fp8e5m2", 5, 2, 15, NanEncoding::ieee, 15};
  return f;
}
const FormatSpec& fp6e2m3() {
  static const FormatSpec f{"fp6e2m3", 2, 3, 1, NanEncoding::none, 2};
  return f;
}
const FormatSpec& fp6e3m2() {
  static const FormatSpec f{"fp6e3m2", 3, 2, 3, NanEncoding::none, 4};
  return f;
}
const FormatSpec& fp4e2m1() {
  static const FormatSpec f{"fp4e2m1", 2, 1, 1, NanEncoding::none, 2};
  return f;
}

const FormatSpec& mxint8() {
  // 1 sign bit, 1 integer bit, 6 fraction bits; OCP MX v1.0 gives MXINT8 emax_elem 0.
  static const FormatSpec f{"mxint8", 1, 6, 0, NanEncoding::none, 0, true};
  return f;
}

const std::vector<const FormatSpec*>& all_formats() {
  static const std::vector<const FormatSpec*> v = {&fp8e4m3(), &fp8e5m2(), &fp6e2m3(),
                                                   &fp6e3m2(), &fp4e2m1(), &mxint8()};
  return v;
}

const FormatSpec* format_by_name(std::string_view name) {
  for (const FormatSpec* f : all_formats()) {
    if (f->name == name) return f;
  }
  return nullptr;
}

}  // namespace mxconf::oracles

#include "mxconf/oracles/format_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace mxconf::oracles {
namespace {

// Non-negative finite magnitudes with their (positive) codes, ascending.
using ValueTable = std::vector<std::pair<double, uint8_t>>;

ValueTable build_value_table(const FormatSpec& f) {
  ValueTable table;
  for (int c = 0; c < f.code_count() / 2; ++c) {
    const double v = f.value(uint8_t(c));
    if (std::isfinite(v)) table.emplace_back(v, uint8_t(c));
  }
  std::sort(table.begin(), table.end());
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
  return value_table(*this).back().first;
}
uint8_t FormatSpec::max_finite_code() const {
  return value_table(*this).back().second;
}
double FormatSpec::normal_min() const {
  return std::ldexp(1.0, 1 - bias);
}

double FormatSpec::ulp_at_max() const {
  const ValueTable& t = value_table(*this);
  return t[t.size() - 1].first - t[t.size() - 2].first;
}

uint8_t FormatSpec::quantize(double v, OverflowPolicy overflow) const {
  if (std::isnan(v)) return nan_code();
  const uint8_t sign = std::signbit(v) ? sign_mask() : uint8_t{0};
  const double mag = std::fabs(v);
  const ValueTable& t = value_table(*this);
  const auto& [max_v, max_code] = t.back();

  auto overflowed = [&]() -> uint8_t {
    if (overflow == OverflowPolicy::tosa) {
      if (has_inf()) return uint8_t((max_code + 1) | sign);  // the Inf code follows max
      if (has_nan()) return nan_code();
    }
    return uint8_t(max_code | sign);
  };
  if (mag > max_v) {
    // Past max the next candidate would be max + ulp, whose code is max_code + 1: RNE applies.
    const double mid = max_v + ulp_at_max() / 2;
    if (mag < mid) return uint8_t(max_code | sign);
    if (mag > mid) return overflowed();
    return (max_code % 2 == 0) ? uint8_t(max_code | sign) : overflowed();
  }
  auto hi = std::lower_bound(t.begin(), t.end(), std::make_pair(mag, uint8_t{0}));
  if (hi->first == mag) return uint8_t(hi->second | sign);
  auto lo = hi - 1;
  const double mid = (lo->first + hi->first) / 2;  // exact: neighbours share a small exponent
  uint8_t pick;
  if (mag < mid) {
    pick = lo->second;
  } else if (mag > mid) {
    pick = hi->second;
  } else {
    pick = (lo->second % 2 == 0) ? lo->second : hi->second;  // mantissa LSB is the code LSB
  }
  return uint8_t(pick | sign);
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

const std::vector<const FormatSpec*>& all_formats() {
  static const std::vector<const FormatSpec*> v = {&fp8e4m3(), &fp8e5m2(), &fp6e2m3(), &fp6e3m2(),
                                                   &fp4e2m1()};
  return v;
}

const FormatSpec* format_by_name(std::string_view name) {
  for (const FormatSpec* f : all_formats()) {
    if (f->name == name) return f;
  }
  return nullptr;
}

}  // namespace mxconf::oracles

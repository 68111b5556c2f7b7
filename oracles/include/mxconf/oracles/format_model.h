// Exact value model of MX element formats, described only by parameters (never by tables copied
// from formats/). Values come from the generic formula; every code can be enumerated.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mxconf::oracles {

enum class NanEncoding : uint8_t {
  none,      // fp6, fp4
  all_ones,  // OCP E4M3 "FN": only S.1111.111 is NaN, no Inf
  ieee,      // IEEE-like: exponent all ones, mantissa != 0; mantissa 0 is Inf
};

enum class OverflowPolicy : uint8_t {
  tosa,      // Inf if the format has one, else NaN if it has one, else +-max (mxconf's choice)
  saturate,  // +-max finite
};

struct FormatSpec {
  std::string_view name;
  int exp_bits;
  int man_bits;
  int bias;
  NanEncoding nan;
  int ocp_emax;  // OCP MX v1.0 table 1 "emax_elem"
  // Fixed point (MXINT8): a two's complement integer q of code_bits() bits, value q * 2^-man_bits.
  // exp_bits counts the integer bits then (1 for mxint8: values -2 .. 1 + 63/64).
  bool fixed_point = false;

  int code_bits() const { return 1 + exp_bits + man_bits; }
  int code_count() const { return 1 << code_bits(); }
  uint8_t sign_mask() const { return uint8_t(1u << (exp_bits + man_bits)); }
  bool has_inf() const { return nan == NanEncoding::ieee; }
  bool has_nan() const { return nan != NanEncoding::none; }
  // Exponent of the quantum: every finite value is an integer times 2^quantum_exp().
  int quantum_exp() const { return fixed_point ? -man_bits : 1 - bias - man_bits; }

  double value(uint8_t code) const;  // NaN for NaN codes, +-Inf for Inf codes
  // value() of every code, evaluated once per format (codes past code_count() hold 0).
  const double* values() const;
  bool is_nan(uint8_t code) const;
  bool is_inf(uint8_t code) const;
  double max_finite() const;
  uint8_t max_finite_code() const;
  double normal_min() const;  // the spec's normal_min<in_t>: 1/64 for mxint8
  // The spec's ulp of a value r (tosa_reference_check_fp): 2^-normal_frac at r's binade, at least
  // normal_min's; for mxint8 always 1/64 (SPEC tosa_reference_check.tosac l.12-13).
  double ulp_of(double r) const;
  // The step between max_finite and the value below it: what the next binade value would add.
  double ulp_at_max() const;
  // Code mxconf writes for NaN (see docs/formats.md): fp8 0x7F; fp6/fp4 +0 (spec is silent).
  uint8_t nan_code() const { return has_nan() ? uint8_t(sign_mask() - 1) : uint8_t{0}; }
  // Exact round-to-nearest-even of an arbitrary double into this format.
  uint8_t quantize(double v, OverflowPolicy overflow) const;
  // quantize(in[i] / divisor) for every i, with the format's tables looked up once.
  void quantize_each(std::span<const double> in, double divisor, OverflowPolicy overflow,
                     uint8_t* out) const;
};

// The six MX payload formats of the suite.
const FormatSpec& fp8e4m3();
const FormatSpec& fp8e5m2();
const FormatSpec& fp6e2m3();
const FormatSpec& fp6e3m2();
const FormatSpec& fp4e2m1();
const FormatSpec& mxint8();
const std::vector<const FormatSpec*>& all_formats();
const FormatSpec* format_by_name(std::string_view name);

}  // namespace mxconf::oracles

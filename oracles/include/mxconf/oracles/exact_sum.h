// A fixed-point (Kulisch-style) accumulator: sums of m * 2^e are exact over the whole range an
// MX dot product reaches (scale products span 2^-254 .. 2^254, element quanta down to 2^-32).
#pragma once

#include <array>
#include <cstdint>

namespace mxconf::oracles {

class ExactSum {
 public:
  static constexpr int kMinExp = -352;  // weight of the least significant bit
  static constexpr int kLimbs = 26;     // 32-bit digits: bits up to 2^480

  // Adds m * 2^exp. Requires |m| < 2^62 and kMinExp <= exp <= kMinExp + 32 * (kLimbs - 4).
  void add(int64_t m, int exp);
  // IEEE semantics for non-finite terms: NaN is sticky, +Inf + -Inf is NaN.
  void add_nonfinite(double v);
  void add(const ExactSum& other);

  bool is_nan() const { return special_ == Special::nan; }
  bool is_inf() const { return special_ == Special::pos_inf || special_ == Special::neg_inf; }
  // -1, 0 or +1 for finite sums.
  int sign() const;

  // Correctly rounded (round-to-nearest-even) conversions, with subnormals and overflow to Inf.
  double to_double() const;
  float to_float() const;

 private:
  enum class Special : uint8_t { none, nan, pos_inf, neg_inf };
  void normalize();
  // Rounds |value| to `precision` significant bits with normal exponents >= min_normal_exp.
  // Returns the significand and its exponent; significand 0 means the result is zero.
  void round_magnitude(int precision, int min_normal_exp, uint64_t& mant, int& exp,
                       bool& negative) const;

  // Carry-save digits: each limb holds a signed multiple of 2^(32 i) until normalize().
  std::array<int64_t, kLimbs> limbs_{};
  uint32_t pending_adds_ = 0;
  Special special_ = Special::none;
};

}  // namespace mxconf::oracles

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
  // Inline: it runs once per 32-element block in the oracle's dot products.
  void add(int64_t m, int exp) {
    if (m == 0) return;
    const int offset = exp - kMinExp;
    if (offset < 0 || (offset >> 5) + 3 > kLimbs) throw_range();
    const bool neg = m < 0;
    const uint64_t mag = neg ? uint64_t(0) - static_cast<uint64_t>(m) : static_cast<uint64_t>(m);
    const int sh = offset & 31;
    const int base = offset >> 5;
    // |m| * 2^sh < 2^94 spans three 32-bit digits.
    const uint64_t d0 = (mag << sh) & 0xFFFFFFFFu;
    const uint64_t d1 = (sh == 0 ? mag >> 32 : (mag >> (32 - sh))) & 0xFFFFFFFFu;
    const uint64_t d2 = sh == 0 ? 0 : mag >> (64 - sh);
    const int64_t s = neg ? -1 : 1;
    limbs_[base] += s * int64_t(d0);
    limbs_[base + 1] += s * int64_t(d1);
    limbs_[base + 2] += s * int64_t(d2);
    // Each limb moves by < 2^32 per add: normalize long before an int64 could overflow.
    if (++pending_adds_ >= (1u << 30)) normalize();
  }
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
  [[noreturn]] static void throw_range();
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

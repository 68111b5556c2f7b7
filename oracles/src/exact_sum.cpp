#include "mxconf/oracles/exact_sum.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace mxconf::oracles {
namespace {
__extension__ typedef unsigned __int128 u128;  // GCC/Clang extension, pedantic-safe
constexpr int64_t kDigit = int64_t{1} << 32;
}  // namespace

void ExactSum::throw_range() {
  throw std::out_of_range("ExactSum: exponent out of range");
}

void ExactSum::add_nonfinite(double v) {
  if (special_ == Special::nan || std::isnan(v)) {
    special_ = Special::nan;
    return;
  }
  const Special s = v > 0 ? Special::pos_inf : Special::neg_inf;
  if (special_ == Special::none) {
    special_ = s;
  } else if (special_ != s) {
    special_ = Special::nan;
  }
}

void ExactSum::add(const ExactSum& other) {
  if (other.special_ == Special::nan) add_nonfinite(std::numeric_limits<double>::quiet_NaN());
  if (other.special_ == Special::pos_inf) add_nonfinite(std::numeric_limits<double>::infinity());
  if (other.special_ == Special::neg_inf) add_nonfinite(-std::numeric_limits<double>::infinity());
  ExactSum o = other;
  o.normalize();
  for (int i = 0; i < kLimbs; ++i) limbs_[i] += o.limbs_[i];
  if (++pending_adds_ >= (1u << 30)) normalize();
}

void ExactSum::normalize() {
  int64_t carry = 0;
  for (int i = 0; i < kLimbs; ++i) {
    const int64_t v = limbs_[i] + carry;
    const int64_t lo = v & (kDigit - 1);  // v mod 2^32, in [0, 2^32)
    limbs_[i] = lo;
    carry = (v - lo) / kDigit;  // exact floor division
  }
  // A leftover carry of -1 means a negative value in two's complement over the limbs; keep it in
  // the top limb (which then is negative) so sign() and the conversions can see it.
  limbs_[kLimbs - 1] += carry * kDigit;
  pending_adds_ = 0;
}

int ExactSum::sign() const {
  ExactSum n = *this;
  n.normalize();
  if (n.limbs_[kLimbs - 1] < 0) return -1;
  for (int64_t l : n.limbs_) {
    if (l != 0) return 1;
  }
  return 0;
}

void ExactSum::round_magnitude(int precision, int min_normal_exp, uint64_t& mant, int& exp,
                               bool& negative) const {
  ExactSum n = *this;
  n.normalize();
  negative = n.limbs_[kLimbs - 1] < 0;
  if (negative) {  // two's complement negate over the digits
    int64_t carry = 1;
    for (int i = 0; i < kLimbs; ++i) {
      const int64_t v = ((kDigit - 1) - (n.limbs_[i] & (kDigit - 1))) + carry;
      n.limbs_[i] = v & (kDigit - 1);
      carry = v >> 32;
    }
  }
  int top = kLimbs - 1;
  while (top >= 0 && n.limbs_[top] == 0) --top;
  mant = 0;
  exp = 0;
  if (top < 0) return;
  // Window: the top three digits (>= 65 significant bits) plus a sticky bit for the rest.
  u128 window = 0;
  int window_lsb_digit = top - 2;
  for (int d = top; d >= top - 2; --d) {
    window = (window << 32) | u128(d >= 0 ? uint64_t(n.limbs_[d]) : 0);
  }
  bool sticky = false;
  for (int d = 0; d < window_lsb_digit; ++d) sticky |= n.limbs_[d] != 0;
  const int window_lsb_exp = kMinExp + 32 * window_lsb_digit;
  const uint64_t window_hi = uint64_t(window >> 64);
  const int bits =
      window_hi != 0 ? 128 - std::countl_zero(window_hi) : 64 - std::countl_zero(uint64_t(window));
  const int value_exp = window_lsb_exp + bits - 1;  // |value| in [2^value_exp, 2^(value_exp+1))
  // Quantum of the result: ulp at this exponent, or the subnormal quantum below min_normal_exp.
  const int quantum_exp = std::max(value_exp, min_normal_exp) - (precision - 1);
  const int shift = quantum_exp - window_lsb_exp;
  if (shift <= 0) {
    mant = uint64_t(window);
    exp = window_lsb_exp;
    return;
  }
  u128 kept = shift >= 128 ? 0 : window >> shift;
  const u128 rem = shift >= 128 ? window : window & ((u128(1) << shift) - 1);
  const u128 half = shift > 128 ? 0 : u128(1) << (shift - 1);
  const bool above = shift > 128 ? false : (rem > half || (rem == half && sticky));
  const bool tie = shift <= 128 && rem == half && !sticky;
  if (above || (tie && (kept & 1))) ++kept;
  mant = uint64_t(kept);
  exp = quantum_exp;
}

double ExactSum::to_double() const {
  if (special_ == Special::nan) return std::numeric_limits<double>::quiet_NaN();
  if (special_ == Special::pos_inf) return std::numeric_limits<double>::infinity();
  if (special_ == Special::neg_inf) return -std::numeric_limits<double>::infinity();
  uint64_t mant;
  int exp;
  bool neg;
  round_magnitude(53, -1022, mant, exp, neg);
  const double v = std::ldexp(double(mant), exp);  // mant <= 2^53: exact
  return neg ? -v : v;
}

float ExactSum::to_float() const {
  if (special_ == Special::nan) return std::numeric_limits<float>::quiet_NaN();
  if (special_ == Special::pos_inf) return std::numeric_limits<float>::infinity();
  if (special_ == Special::neg_inf) return -std::numeric_limits<float>::infinity();
  uint64_t mant;
  int exp;
  bool neg;
  round_magnitude(24, -126, mant, exp, neg);
  // mant <= 2^24 and the rounding already happened: the double is exact, the float conversion
  // is exact unless it overflows (then IEEE gives Inf, as wanted).
  const double v = std::ldexp(double(mant), exp);
  const float f = v >= 0x1p128 ? std::numeric_limits<float>::infinity() : static_cast<float>(v);
  return neg ? -f : f;
}

}  // namespace mxconf::oracles

// Internal: the branch-free fp32 -> element RNE kernel, templated per type so block loops inline
// and vectorize it. Shared by codec.cpp and block_cast.cpp only.
#pragma once

#include <bit>
#include <cstdint>

#include "mxconf/faults/faults.h"
#include "mxconf/formats/element_type.h"

namespace mxconf::formats::detail {

constexpr float pow2f(int e) {
  float r = 1.0f;
  for (; e > 0; --e) r *= 2.0f;
  for (; e < 0; ++e) r *= 0.5f;
  return r;
}

template <ElementType T, bool Saturate>
inline uint8_t encode_rne(float y) {
  constexpr ElementTraits tr = traits(T);
  constexpr int kMan = tr.man_bits;
  constexpr int kShift = 23 - kMan;
  constexpr uint32_t kRebias = uint32_t(127 - tr.bias) << kMan;
  constexpr uint32_t kMinNormalBits = uint32_t(127 + 1 - tr.bias) << 23;
  // Adding 2^23 * quantum makes the fp32 adder round to a multiple of the subnormal quantum,
  // with the hardware's round-to-nearest-even.
  constexpr float kMagic = pow2f(23 + 1 - tr.bias - kMan);
  constexpr float kInvQuantum = pow2f(tr.bias - 1 + kMan);

  // Every select below is a bit mask, so the kernel has no control flow and block loops vectorize
  // (a branch on "is this a target subnormal" would mispredict on real data).
  const uint32_t bits = std::bit_cast<uint32_t>(y);
  const uint32_t sign = (bits >> 31) << (tr.code_bits - 1);
  const uint32_t a = bits & 0x7FFFFFFFu;
  const uint32_t sub_mask = 0u - uint32_t(a < kMinNormalBits);

  // Normal target: round the fp32 significand to kMan bits, then rebias the exponent.
  uint32_t rounded = a + ((uint32_t(1) << (kShift - 1)) - 1) + ((a >> kShift) & 1u);
  if (MXCONF_FAULT(round_half_away)) rounded = a + (uint32_t(1) << (kShift - 1));
  const uint32_t normal = (rounded >> kShift) - kRebias;
  // Subnormal target (|y| below the smallest normal): integer multiple of the quantum. A result
  // of 2^kMan is the smallest normal, whose code is exactly 2^kMan: the encodings line up.
  const float small = std::bit_cast<float>(a & sub_mask);
  const float snapped = (small + kMagic) - kMagic;
  uint32_t sub = uint32_t(int32_t(snapped * kInvQuantum));
  if (MXCONF_FAULT(subnormals_flushed)) sub = 0;
  const uint32_t mag = (sub & sub_mask) | (normal & ~sub_mask);

  uint32_t overflow_code;
  if constexpr (Saturate || (!tr.has_inf && !tr.has_nan)) {
    overflow_code = tr.max_code | sign;
  } else if constexpr (tr.has_inf) {
    overflow_code = (uint32_t(tr.max_code) + 1u) | sign;  // e5m2: S.11111.00 = +-Inf
  } else {
    overflow_code = nan_code(T);  // e4m3: no Inf, so NaN
  }
  const uint32_t ovf_mask = 0u - uint32_t(mag > tr.max_code);
  const uint32_t nan_mask = 0u - uint32_t(a > 0x7F800000u);
  uint32_t code = (overflow_code & ovf_mask) | ((mag | sign) & ~ovf_mask);
  code = (uint32_t(nan_code(T)) & nan_mask) | (code & ~nan_mask);
  return uint8_t(code);
}

// mxint8: q = round-half-even(y * 64), clamped to the int8 range [-128, 127]. The spec's
// round_to_nearest_float sends out-of-range values to NaN where a type has no Inf, and mxint8 has
// neither (SPEC numeric_conversion_helpers.tosac l.13-17): the case is open, mxconf saturates
// (UNVERIFIED). The TOSA block scale keeps every |y| below 255/128, so a cast never reaches it
// unless the scale is clipped at 2^127. Clamping before rounding gives the same code as rounding
// first: 127.x and -128.x both land on the limit either way.
template <bool Saturate>
inline uint8_t encode_int8(float y) {
  if (y != y) return 0;  // NaN: nan_code(mxint8); the block scale is NaN too
  float x = y * 64.0f;   // exact: a power-of-two multiply (Inf stays Inf and clamps)
  x = x > 127.0f ? 127.0f : (x < -128.0f ? -128.0f : x);
  // Adding and removing 1.5 * 2^23 rounds |x| <= 128 to an integer, ties to even.
  constexpr float kMagic = 12582912.0f;
  const float q = (x + kMagic) - kMagic;
  return uint8_t(int8_t(q));
}

// The encoder for any element type: the float kernel or the fixed-point one.
template <ElementType T, bool Saturate>
inline uint8_t encode_element(float y) {
  if constexpr (traits(T).twos_complement) {
    return encode_int8<Saturate>(y);
  } else {
    return encode_rne<T, Saturate>(y);
  }
}

}  // namespace mxconf::formats::detail

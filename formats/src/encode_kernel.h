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

}  // namespace mxconf::formats::detail

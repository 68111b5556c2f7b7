// E8M0 block scales and bf16 activations.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mxconf::formats {

inline constexpr uint8_t kE8m0Nan = 0xFF;
inline constexpr uint8_t kE8m0One = 0x7F;

// E8M0: byte e in 0..254 is 2^(e-127), exact in fp32 (2^-127 is an fp32 subnormal). 0xFF is NaN.
inline float decode_e8m0(uint8_t e) {
  if (e == kE8m0Nan) return std::numeric_limits<float>::quiet_NaN();
  if (e == 0) return std::bit_cast<float>(uint32_t{0x00400000});  // 2^-127
  return std::bit_cast<float>(uint32_t(e) << 23);
}

inline float bf16_to_float(uint16_t b) {
  return std::bit_cast<float>(uint32_t(b) << 16);
}

// fp32 -> bf16 with round-to-nearest-even; NaN stays a quiet NaN with its sign.
inline uint16_t float_to_bf16(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return uint16_t((u >> 16) | 0x0040u);
  u += 0x7FFFu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

}  // namespace mxconf::formats

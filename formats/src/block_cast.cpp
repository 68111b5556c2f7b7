#include "mxconf/formats/block_cast.h"

#include "mxconf/vocabulary/named.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "encode_kernel.h"
#include "mxconf/faults/faults.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"

namespace mxconf::formats {
namespace {

constexpr uint32_t kFracMask = 0x7FFFFFu;

// A limit L = (1 + frac/2^23) * 2^exp, and whether the rule accepts amax == L * 2^k.
struct ScaleLimit {
  int exp;
  uint32_t frac;
  bool inclusive;
};

ScaleLimit scale_limit(ElementType t, ScaleRule r) {
  const ElementTraits tr = traits(t);
  const uint32_t max_bits = std::bit_cast<uint32_t>(tr.max_normal);
  ScaleLimit lim{tr.emax, max_bits & kFracMask, t == ElementType::fp8e4m3};
  if (r == ScaleRule::tosa) lim.frac += uint32_t(1) << (22 - tr.man_bits);  // + ulp/2
  if (r == ScaleRule::rceil) lim.inclusive = true;  // ceil(log2(amax / max)) for every type
  return lim;
}

// The fp32 factor 2^-(byte-127), i.e. 1/scale, exact for every non-NaN byte.
float inverse_scale(uint8_t byte) {
  const int field = 254 - int(byte);
  if (field == 0) return std::bit_cast<float>(uint32_t{0x00400000});  // 2^-127
  return std::bit_cast<float>(uint32_t(field) << 23);
}

template <ElementType T, bool Saturate>
uint8_t cast_block_bits(ScaleRule r, const uint32_t* __restrict bits, uint8_t* __restrict codes) {
  uint32_t amax = 0;
  for (size_t i = 0; i < kBlockSize; ++i) amax = std::max(amax, bits[i] & 0x7FFFFFFFu);
  const uint8_t scale = calc_block_scale(T, r, amax);
  if (scale == kE8m0Nan) {
    std::memset(codes, nan_code(T), kBlockSize);
    return scale;
  }
  const float inv = inverse_scale(scale);
  for (size_t i = 0; i < kBlockSize; ++i) {
    codes[i] = detail::encode_element<T, Saturate>(std::bit_cast<float>(bits[i]) * inv);
  }
  return scale;
}

template <ElementType T, bool Saturate, typename In>
void cast_rows(ScaleRule r, std::span<const In> in, std::span<uint8_t> codes,
               std::span<uint8_t> scales) {
  uint32_t bits[kBlockSize];
  for (size_t b = 0; b < scales.size(); ++b) {
    const In* src = in.data() + b * kBlockSize;
    if constexpr (sizeof(In) == 4) {
      std::memcpy(bits, src, sizeof bits);
    } else {
      for (size_t i = 0; i < kBlockSize; ++i) bits[i] = uint32_t(src[i]) << 16;  // bf16 -> fp32
    }
    scales[b] = cast_block_bits<T, Saturate>(r, bits, codes.data() + b * kBlockSize);
  }
}

template <typename In>
void dispatch_rows(ElementType t, ScaleRule r, std::span<const In> in, std::span<uint8_t> codes,
                   std::span<uint8_t> scales) {
  const bool sat = (r == ScaleRule::ocp || r == ScaleRule::rceil);
#define MXCONF_CAST_CASE(TYPE)                                                \
  case ElementType::TYPE:                                                     \
    if (sat) return cast_rows<ElementType::TYPE, true>(r, in, codes, scales); \
    return cast_rows<ElementType::TYPE, false>(r, in, codes, scales);
  switch (t) {
    MXCONF_CAST_CASE(fp8e4m3)
    MXCONF_CAST_CASE(fp8e5m2)
    MXCONF_CAST_CASE(fp6e2m3)
    MXCONF_CAST_CASE(fp6e3m2)
    MXCONF_CAST_CASE(fp4e2m1)
    MXCONF_CAST_CASE(mxint8)
  }
#undef MXCONF_CAST_CASE
}

}  // namespace

namespace {
constexpr Named<ScaleRule> kRuleNames[] = {{ScaleRule::tosa, "tosa"},
                                           {ScaleRule::tosa_pre44, "tosa-pre44"},
                                           {ScaleRule::ocp, "ocp"},
                                           {ScaleRule::rceil, "rceil"}};
}  // namespace

std::string_view name(ScaleRule r) {
  return name_in(kRuleNames, r);
}

std::optional<ScaleRule> parse_scale_rule(std::string_view s) {
  return parse_in(kRuleNames, s);
}

uint8_t calc_block_scale(ElementType t, ScaleRule r, uint32_t amax_bits) {
  if (amax_bits == 0) return 0x00;
  if (amax_bits >= 0x7F800000u) return kE8m0Nan;
  // amax = (1 + frac/2^23) * 2^ea, normalizing fp32 subnormals.
  int ea = int(amax_bits >> 23) - 127;
  uint32_t frac = amax_bits & kFracMask;
  if (ea == -127) {
    const int top = 31 - std::countl_zero(frac);  // frac != 0 here
    ea = top - 149;
    frac = (frac << (23 - top)) & kFracMask;
  }
  int k;
  if (r == ScaleRule::ocp) {
    k = ea - traits(t).emax;
  } else {
    const ScaleLimit lim = scale_limit(t, r);
    const bool above = lim.inclusive ? frac > lim.frac : frac >= lim.frac;
    k = ea - lim.exp + (above ? 1 : 0);
  }
  return uint8_t(std::clamp(k, -127, 127) + 127);
}

uint8_t cast_block(ElementType t, ScaleRule r, const float* in, uint8_t* codes) {
  uint8_t scale = 0;
  dispatch_rows<float>(t, r, std::span<const float>(in, kBlockSize),
                       std::span<uint8_t>(codes, kBlockSize), std::span<uint8_t>(&scale, 1));
  return scale;
}

uint8_t cast_block_bf16(ElementType t, ScaleRule r, const uint16_t* in, uint8_t* codes) {
  uint8_t scale = 0;
  dispatch_rows<uint16_t>(t, r, std::span<const uint16_t>(in, kBlockSize),
                          std::span<uint8_t>(codes, kBlockSize), std::span<uint8_t>(&scale, 1));
  return scale;
}

void cast_to_block_scaled(ElementType t, ScaleRule r, std::span<const float> in,
                          std::span<uint8_t> codes, std::span<uint8_t> scales) {
  dispatch_rows<float>(t, r, in, codes, scales);
}

void cast_to_block_scaled_bf16(ElementType t, ScaleRule r, std::span<const uint16_t> in,
                               std::span<uint8_t> codes, std::span<uint8_t> scales) {
  dispatch_rows<uint16_t>(t, r, in, codes, scales);
}

float dequantize(ElementType t, uint8_t code, uint8_t scale) {
  return decode(t, code) * decode_e8m0(scale);
}

void dequantize_blocks(ElementType t, std::span<const uint8_t> codes,
                       std::span<const uint8_t> scales, std::span<float> out) {
  if (codes.size() != out.size() || codes.size() != scales.size() * kBlockSize) {
    throw std::invalid_argument("dequantize_blocks: codes, scales and out sizes disagree");
  }
  float table[256];
  for (int c = 0; c < 256; ++c) table[c] = decode(t, uint8_t(c));
  for (size_t b = 0; b < scales.size(); ++b) {
    // The fault: 2^(e - 127) as the exponent field shifted into place (0x00 gives 0, not 2^-127;
    // 0xFF gives +Inf, not NaN).
    const float s = MXCONF_FAULT(e8m0_decode_by_shift)
                        ? std::bit_cast<float>(uint32_t(scales[b]) << 23)
                        : decode_e8m0(scales[b]);
    const uint8_t* in = codes.data() + b * kBlockSize;
    float* o = out.data() + b * kBlockSize;
    for (size_t i = 0; i < kBlockSize; ++i) o[i] = table[in[i]] * s;
  }
}

}  // namespace mxconf::formats

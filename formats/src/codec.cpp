#include "mxconf/formats/codec.h"

#include <array>
#include <cmath>
#include <limits>

#include "encode_kernel.h"

namespace mxconf::formats {
namespace {

using DecodeTable = std::array<float, 256>;

DecodeTable make_decode_table(ElementType t) {
  const ElementTraits tr = traits(t);
  DecodeTable table{};
  if (tr.twos_complement) {
    for (int code = 0; code < 256; ++code)
      table[code] = std::ldexp(float(int8_t(uint8_t(code))), -tr.man_bits);
    return table;
  }
  for (int code = 0; code < code_count(t); ++code) {
    if (is_nan_code(t, uint8_t(code))) {
      table[code] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    const int sign = (code >> (tr.code_bits - 1)) & 1;
    const int e = (code >> tr.man_bits) & ((1 << tr.exp_bits) - 1);
    const int m = code & ((1 << tr.man_bits) - 1);
    float mag;
    if (tr.has_inf && e == (1 << tr.exp_bits) - 1) {
      mag = std::numeric_limits<float>::infinity();
    } else if (e == 0) {
      mag = std::ldexp(float(m), 1 - tr.bias - tr.man_bits);
    } else {
      mag = std::ldexp(float(m + (1 << tr.man_bits)), e - tr.bias - tr.man_bits);
    }
    table[code] = sign ? -mag : mag;
  }
  return table;
}

const DecodeTable& decode_table(ElementType t) {
  static const std::array<DecodeTable, 6> tables = {
      make_decode_table(ElementType::fp8e4m3), make_decode_table(ElementType::fp8e5m2),
      make_decode_table(ElementType::fp6e2m3), make_decode_table(ElementType::fp6e3m2),
      make_decode_table(ElementType::fp4e2m1), make_decode_table(ElementType::mxint8)};
  return tables[size_t(t)];
}

template <bool Saturate>
uint8_t encode_as(ElementType t, float v) {
  switch (t) {
    case ElementType::fp8e4m3:
      return detail::encode_rne<ElementType::fp8e4m3, Saturate>(v);
    case ElementType::fp8e5m2:
      return detail::encode_rne<ElementType::fp8e5m2, Saturate>(v);
    case ElementType::fp6e2m3:
      return detail::encode_rne<ElementType::fp6e2m3, Saturate>(v);
    case ElementType::fp6e3m2:
      return detail::encode_rne<ElementType::fp6e3m2, Saturate>(v);
    case ElementType::fp4e2m1:
      return detail::encode_rne<ElementType::fp4e2m1, Saturate>(v);
    case ElementType::mxint8:
      return detail::encode_int8<Saturate>(v);
  }
  return 0;
}

}  // namespace

std::optional<ElementType> parse_element_type(std::string_view s) {
  for (ElementType t : kAllElementTypes) {
    if (name(t) == s) return t;
  }
  return std::nullopt;
}

bool is_nan_code(ElementType t, uint8_t code) {
  switch (t) {
    case ElementType::fp8e4m3:
      return (code & 0x7F) == 0x7F;
    case ElementType::fp8e5m2:
      return (code & 0x7F) > 0x7C;
    default:
      return false;
  }
}

float decode(ElementType t, uint8_t code) {
  return decode_table(t)[code & (code_count(t) - 1)];
}

uint8_t encode(ElementType t, float value, Overflow overflow) {
  return overflow == Overflow::saturate ? encode_as<true>(t, value) : encode_as<false>(t, value);
}

}  // namespace mxconf::formats

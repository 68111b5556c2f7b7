// MX element payload types and their encoding parameters (tosa-mx-spec.md §1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mxconf::formats {

// mxint8 is OCP MX v1.0's MXINT8 (TOSA 1.1 EXT-MX-INT8): an 8-bit two's complement integer q
// with an implicit 2^-6, so values q/64 in [-2, 127/64] (SPEC chapters/introduction.adoc mxint8_t).
enum class ElementType : uint8_t { fp8e4m3, fp8e5m2, fp6e2m3, fp6e3m2, fp4e2m1, mxint8 };

inline constexpr ElementType kAllElementTypes[] = {ElementType::fp8e4m3, ElementType::fp8e5m2,
                                                   ElementType::fp6e2m3, ElementType::fp6e3m2,
                                                   ElementType::fp4e2m1, ElementType::mxint8};

struct ElementTraits {
  std::string_view name;
  int code_bits;  // 8, 6 or 4; the sign is the top bit
  int exp_bits;   // 0 for mxint8
  int man_bits;   // fraction bits: for mxint8 the 6 bits below the binary point
  int bias;
  bool has_inf;      // e5m2 only
  bool has_nan;      // fp8 only
  uint8_t max_code;  // code of +max normal
  float max_normal;
  int emax;                      // OCP emax_elem: exponent of the largest normal binade
  bool twos_complement = false;  // mxint8: code is int8 q, value q * 2^-man_bits
};

constexpr ElementTraits traits(ElementType t) {
  switch (t) {
    case ElementType::fp8e4m3:
      return {"fp8e4m3", 8, 4, 3, 7, false, true, 0x7E, 448.0f, 8};
    case ElementType::fp8e5m2:
      return {"fp8e5m2", 8, 5, 2, 15, true, true, 0x7B, 57344.0f, 15};
    case ElementType::fp6e2m3:
      return {"fp6e2m3", 6, 2, 3, 1, false, false, 0x1F, 7.5f, 2};
    case ElementType::fp6e3m2:
      return {"fp6e3m2", 6, 3, 2, 3, false, false, 0x1F, 28.0f, 4};
    case ElementType::fp4e2m1:
      return {"fp4e2m1", 4, 2, 1, 1, false, false, 0x07, 6.0f, 2};
    case ElementType::mxint8:
      // max 127/64 = 1 + 63/64 (SPEC numeric_accuracy_helpers.tosac normal_max); OCP emax 0.
      return {"mxint8", 8, 0, 6, 0, false, false, 0x7F, 1.984375f, 0, true};
  }
  return {};
}

constexpr std::string_view name(ElementType t) {
  return traits(t).name;
}
std::optional<ElementType> parse_element_type(std::string_view s);

// Number of distinct codes (2^code_bits).
constexpr int code_count(ElementType t) {
  return 1 << traits(t).code_bits;
}
constexpr uint8_t sign_bit(ElementType t) {
  return uint8_t(1u << (traits(t).code_bits - 1));
}

// The code of normal_min<t> (SPEC numeric_accuracy_helpers.tosac): exponent field 1, mantissa 0
// for the float formats; for mxint8 the spec's normal_min is its quantum 1/64, code 1.
constexpr uint8_t normal_min_code(ElementType t) {
  return traits(t).twos_complement ? uint8_t{1} : uint8_t(1u << traits(t).man_bits);
}

// The code written for NaN (and, in a NaN-scaled block, for every element).
// fp8: the positive NaN pattern S.1..1 (0x7F for both e4m3 and e5m2).
// fp6/fp4/mxint8 have no NaN: the spec leaves this open (tosa-mx-spec.md §9.7, UNVERIFIED);
// mxconf writes +0. The block's scale is then NaN (0xFF), so every decoded value is NaN regardless.
constexpr uint8_t nan_code(ElementType t) {
  return traits(t).has_nan ? 0x7F : 0x00;
}

}  // namespace mxconf::formats

// Bit-exact element codecs: decode(code) -> float and encode(float) -> code.
#pragma once

#include <cstdint>

#include "mxconf/formats/element_type.h"

namespace mxconf::formats {

// What happens to a finite value whose rounded magnitude exceeds the largest normal.
enum class Overflow : uint8_t {
  // TOSA conversion (numeric_conversion_helpers.tosac): Inf for e5m2, NaN for e4m3. fp6/fp4 have
  // neither, the spec leaves it open; mxconf saturates them to +-max normal (documented choice).
  tosa,
  // OCP MX v1.0 §6.3 / torchao: clamp to +-max normal, keeping the sign.
  saturate,
};

// Exact decode. NaN codes give a quiet NaN; e5m2 Inf codes give +-Inf.
float decode(ElementType t, uint8_t code);

// Round-to-nearest-even encode. Signed zero and subnormals are kept. NaN gives nan_code(t).
// +-Inf follows the overflow policy (Inf for e5m2 under Overflow::tosa).
uint8_t encode(ElementType t, float value, Overflow overflow = Overflow::tosa);

// True for codes that decode to NaN.
bool is_nan_code(ElementType t, uint8_t code);

}  // namespace mxconf::formats

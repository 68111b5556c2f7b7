// Test-only bridge between formats/ (the implementation) and oracles/ (the judge): the two share
// no code, so tests pair them up by name.
#pragma once

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "mxconf/formats/block_cast.h"
#include "mxconf/oracles/block_quant.h"
#include "mxconf/oracles/format_model.h"
#include "mxconf/runner/block_cast_check.h"

namespace mxconf::test {

using runner::oracle_format;

inline oracles::ScalePolicy oracle_policy(formats::ScaleRule r) {
  return *oracles::parse_policy(formats::name(r));
}

inline float f32(uint32_t bits) {
  return std::bit_cast<float>(bits);
}
inline uint32_t bits(float f) {
  return std::bit_cast<uint32_t>(f);
}

}  // namespace mxconf::test

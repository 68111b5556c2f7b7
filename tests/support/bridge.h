// Test-only helpers around the bridge between formats/ (the implementation) and oracles/ (the
// judge): the two share no code, so tests pair them up through generators/oracle_bridge.h.
#pragma once

#include <bit>
#include <cstdint>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/runner/block_cast_check.h"

namespace mxconf::test {

using generators::oracle_format;
using generators::oracle_policy;

inline float f32(uint32_t bits) {
  return std::bit_cast<float>(bits);
}
inline uint32_t bits(float f) {
  return std::bit_cast<uint32_t>(f);
}

}  // namespace mxconf::test

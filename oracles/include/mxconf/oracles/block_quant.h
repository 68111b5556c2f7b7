// Expected CAST_TO_BLOCK_SCALED results by exact arithmetic, for each of the four scale rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "mxconf/oracles/format_model.h"

namespace mxconf::oracles {

inline constexpr int kMxBlock = 32;

enum class ScalePolicy : uint8_t { tosa, tosa_pre44, ocp, rceil };
inline constexpr ScalePolicy kAllScalePolicies[] = {ScalePolicy::tosa, ScalePolicy::tosa_pre44,
                                                    ScalePolicy::ocp, ScalePolicy::rceil};
std::string_view policy_name(ScalePolicy p);
std::optional<ScalePolicy> parse_policy(std::string_view s);

// Unclamped scale exponent k (scale = 2^k) for a finite amax > 0, by exact comparisons:
//  tosa / tosa-pre44: the smallest k with amax/2^k <= L (when the format's tie above max rounds
//    down to max, i.e. its max code is even: e4m3) or < L (every other format); L is
//    max + ulp/2 (tosa) or max (tosa-pre44).
//  rceil: the smallest k with amax/2^k <= max.
//  ocp: floor(log2 amax) - emax.
int scale_exponent(const FormatSpec& f, ScalePolicy p, double amax);

// E8M0 byte for a block maximum: 0x00 for 0, 0xFF for NaN/Inf, else clamp(k, -127, 127) + 127.
uint8_t scale_byte(const FormatSpec& f, ScalePolicy p, double amax);

struct BlockQuantization {
  uint8_t scale = 0;
  std::array<uint8_t, kMxBlock> codes{};
};

// `block` holds the exact input values (fp32 or bf16 widened to double).
BlockQuantization quantize_block(const FormatSpec& f, ScalePolicy p,
                                 std::span<const double, kMxBlock> block);

// 2^(byte-127) as a double; NaN for 0xFF.
double e8m0_value(uint8_t byte);

}  // namespace mxconf::oracles

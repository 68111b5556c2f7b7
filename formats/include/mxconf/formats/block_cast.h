// CAST_TO_BLOCK_SCALED: blocks of 32 values -> one E8M0 scale + 32 element codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "mxconf/formats/element_type.h"

namespace mxconf::formats {

inline constexpr size_t kBlockSize = 32;

// The block-scale rule (tosa-mx-spec.md §2). Each is a named policy, never a default in disguise.
enum class ScaleRule : uint8_t {
  tosa,        // spec HEAD after PR #44: out_max = max normal + ulp/2; ceil for e4m3, floor+1 else
  tosa_pre44,  // the same with out_max = max normal
  ocp,         // OCP MX v1.0 FLOOR: 2^(floor(log2 amax) - emax); elements saturate
  rceil,       // torchao RCEIL: 2^ceil(log2(amax / max normal)); elements saturate
};

inline constexpr ScaleRule kAllScaleRules[] = {ScaleRule::tosa, ScaleRule::tosa_pre44,
                                               ScaleRule::ocp, ScaleRule::rceil};
// The defaults, each written once: CAST_TO_BLOCK_SCALED follows the spec (HEAD); constant weights
// are quantized offline as torchao does by default (RCEIL), which is what ExecuTorch ships.
inline constexpr ScaleRule kDefaultCastRule = ScaleRule::tosa;
inline constexpr ScaleRule kDefaultWeightScaleRule = ScaleRule::rceil;

std::string_view name(ScaleRule r);
std::optional<ScaleRule> parse_scale_rule(std::string_view s);

// E8M0 byte for a block whose max |v| has fp32 bit pattern `amax_bits` (sign already cleared).
// 0 -> 0x00; NaN/Inf -> 0xFF; else the rule's exponent by exact integer arithmetic, clamped to
// [-127, 127].
uint8_t calc_block_scale(ElementType t, ScaleRule r, uint32_t amax_bits);

// One block of exactly 32 values. Writes 32 unpacked codes; returns the scale byte.
uint8_t cast_block(ElementType t, ScaleRule r, const float* in, uint8_t* codes);
uint8_t cast_block_bf16(ElementType t, ScaleRule r, const uint16_t* in, uint8_t* codes);

// Whole rows: in.size() must be a multiple of 32; codes.size() == in.size();
// scales.size() == in.size() / 32. Blocks run along the flattened (last) dimension.
void cast_to_block_scaled(ElementType t, ScaleRule r, std::span<const float> in,
                          std::span<uint8_t> codes, std::span<uint8_t> scales);
void cast_to_block_scaled_bf16(ElementType t, ScaleRule r, std::span<const uint16_t> in,
                               std::span<uint8_t> codes, std::span<uint8_t> scales);

// CAST_FROM_BLOCK_SCALED for one element: fp32(code) * fp32(scale), rounded in fp32.
float dequantize(ElementType t, uint8_t code, uint8_t scale);
// The same for whole rows, block by block: a 256-entry decode table, one multiply per element.
// codes.size() == out.size() == 32 * scales.size(). Bit-identical to dequantize().
void dequantize_blocks(ElementType t, std::span<const uint8_t> codes,
                       std::span<const uint8_t> scales, std::span<float> out);

}  // namespace mxconf::formats

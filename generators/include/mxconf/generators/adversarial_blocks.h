// Deterministic generator of adversarial 32-value blocks for the formats/oracles differential:
// scale-rule cut-offs, exact ties, subnormal-only, zero, NaN/Inf, maxima near 2^+-127, bf16.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "mxconf/oracles/format_model.h"

namespace mxconf::generators {

enum class BlockKind : uint8_t {
  random_wide,     // random signs/mantissas, exponents spread over 40 binades
  cutoff_max,      // amax on (or one fp32 ulp beside) a mantissa where two rules disagree
  exact_ties,      // midpoints between representable values, times the scale
  subnormal_only,  // only fp32 subnormals
  zero,            // +-0 only
  nonfinite,       // one NaN or +-Inf among random values
  extreme_max,     // maxima near 2^127 or 2^-127 (E8M0 clamp limits)
  kind_count,
};

struct AdversarialBlock {
  BlockKind kind;
  bool bf16;          // values are exactly representable in bf16
  uint32_t bits[32];  // fp32 bit patterns
};

class AdversarialBlockSource {
 public:
  explicit AdversarialBlockSource(uint64_t seed) : rng_(seed) {}
  // The block for this index: kinds rotate, so every kind appears in any 7 consecutive blocks.
  AdversarialBlock next(const oracles::FormatSpec& f);
  // Mantissas m in [1,2) where some pair of scale rules flips between X and 2X for f.
  static std::vector<double> cutoff_mantissas(const oracles::FormatSpec& f);

 private:
  uint32_t random_bits_in_binades(int top_exp, int span);
  std::mt19937_64 rng_;
  uint64_t count_ = 0;
};

}  // namespace mxconf::generators

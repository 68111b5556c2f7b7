#include "mxconf/generators/adversarial_blocks.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace mxconf::generators {
namespace {

uint32_t to_bits(float f) {
  return std::bit_cast<uint32_t>(f);
}

// Rounds an fp32 bit pattern to bf16 (RNE) and widens it back.
uint32_t round_to_bf16(uint32_t u) {
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (u | 0x00400000u) & 0xFFFF0000u;
  u += 0x7FFFu + ((u >> 16) & 1u);
  return u & 0xFFFF0000u;
}

}  // namespace

std::vector<double> AdversarialBlockSource::cutoff_mantissas(const oracles::FormatSpec& f) {
  // Rules compare amax's mantissa against max/2^emax (pre-#44, RCEIL) or (max + ulp/2)/2^emax
  // (spec HEAD); OCP never doubles. Both mantissas, for every format, are the cut-offs.
  const double top = std::ldexp(1.0, std::ilogb(f.max_finite()));
  return {f.max_finite() / top, (f.max_finite() + f.ulp_at_max() / 2) / top};
}

uint32_t AdversarialBlockSource::random_bits_in_binades(int top_exp, int span) {
  const int e = top_exp - int(rng_() % uint64_t(span));
  const uint32_t field = uint32_t(std::clamp(e + 127, 0, 254));
  return uint32_t(rng_() & 1) << 31 | field << 23 | uint32_t(rng_() & 0x7FFFFF);
}

AdversarialBlock AdversarialBlockSource::next(const oracles::FormatSpec& f) {
  AdversarialBlock b{};
  b.kind = BlockKind(count_ % uint64_t(BlockKind::kind_count));
  b.bf16 = (count_ / uint64_t(BlockKind::kind_count)) % 4 == 3;  // a quarter of each kind
  ++count_;
  const int top = int(rng_() % 60) - 30;  // block magnitude, in binades
  switch (b.kind) {
    case BlockKind::random_wide:
      for (uint32_t& v : b.bits) v = random_bits_in_binades(top, 40);
      break;
    case BlockKind::cutoff_max: {
      const std::vector<double> cuts = cutoff_mantissas(f);
      const double m = cuts[rng_() % cuts.size()];
      const float amax = float(std::ldexp(m, top));
      uint32_t u = to_bits(amax);
      const int nudge = int(rng_() % 3) - 1;  // on, one ulp below, one ulp above
      u = uint32_t(int64_t(u) + nudge);
      for (uint32_t& v : b.bits) v = random_bits_in_binades(top, 12);
      for (uint32_t& v : b.bits) v = std::min(v & 0x7FFFFFFFu, u) | (v & 0x80000000u);
      b.bits[rng_() % 32] = u | uint32_t(rng_() & 1) << 31;
      break;
    }
    case BlockKind::exact_ties: {
      // Midpoints between neighbouring representable magnitudes, scaled by 2^k.
      std::vector<double> mags;
      for (int c = 0; c < f.code_count() / 2; ++c) {
        if (std::isfinite(f.value(uint8_t(c)))) mags.push_back(f.value(uint8_t(c)));
      }
      std::sort(mags.begin(), mags.end());
      for (uint32_t& v : b.bits) {
        const size_t i = rng_() % (mags.size() - 1);
        const double mid = (mags[i] + mags[i + 1]) / 2;
        v = to_bits(float(std::ldexp(mid, top))) | uint32_t(rng_() & 1) << 31;
      }
      b.bits[0] = to_bits(float(std::ldexp(mags.back(), top)));  // pins the scale to 2^top
      break;
    }
    case BlockKind::subnormal_only:
      for (uint32_t& v : b.bits)
        v = uint32_t(rng_() & 1) << 31 | uint32_t(rng_() & 0x7FFFFF) >> (rng_() % 23);
      break;
    case BlockKind::zero:
      for (uint32_t& v : b.bits) v = uint32_t(rng_() & 1) << 31;
      break;
    case BlockKind::nonfinite: {
      for (uint32_t& v : b.bits) v = random_bits_in_binades(top, 20);
      const uint32_t specials[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7F800000u, 0xFF800000u};
      b.bits[rng_() % 32] = specials[rng_() % 5];
      break;
    }
    case BlockKind::extreme_max: {
      const bool high = rng_() & 1;
      const int t = high ? 127 : -120 - int(rng_() % 30);  // also fp32-subnormal maxima
      for (uint32_t& v : b.bits) v = random_bits_in_binades(t, high ? 30 : 8);
      break;
    }
    case BlockKind::kind_count:
      break;
  }
  if (b.bf16) {
    for (uint32_t& v : b.bits) v = round_to_bf16(v);
  }
  return b;
}

}  // namespace mxconf::generators

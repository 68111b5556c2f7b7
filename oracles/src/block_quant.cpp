#include "mxconf/oracles/block_quant.h"

#include "mxconf/vocabulary/named.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace mxconf::oracles {

namespace {
constexpr Named<ScalePolicy> kPolicyNames[] = {{ScalePolicy::tosa, "tosa"},
                                               {ScalePolicy::tosa_pre44, "tosa-pre44"},
                                               {ScalePolicy::ocp, "ocp"},
                                               {ScalePolicy::rceil, "rceil"}};
}  // namespace

std::string_view policy_name(ScalePolicy p) {
  return name_in(kPolicyNames, p);
}

std::optional<ScalePolicy> parse_policy(std::string_view s) {
  return parse_in(kPolicyNames, s);
}

int scale_exponent(const FormatSpec& f, ScalePolicy p, double amax) {
  if (p == ScalePolicy::ocp) return std::ilogb(amax) - f.ocp_emax;
  double limit = f.max_finite();
  if (p == ScalePolicy::tosa) limit += f.ulp_at_max() / 2;
  // Why the split (tosa-mx-spec.md §2.1): amax/2^k == L is safe only if that tie rounds down to
  // max, which RNE does exactly when max's code is even.
  const bool inclusive = p == ScalePolicy::rceil || f.max_finite_code() % 2 == 0;
  auto fits = [&](int k) {
    const double bound = std::ldexp(limit, k);  // exact: L has few significant bits
    return inclusive ? amax <= bound : amax < bound;
  };
  int k = std::ilogb(amax) - std::ilogb(limit) - 1;
  while (!fits(k)) ++k;
  while (fits(k - 1)) --k;
  return k;
}

uint8_t scale_byte(const FormatSpec& f, ScalePolicy p, double amax) {
  if (std::isnan(amax) || std::isinf(amax)) return 0xFF;
  if (amax == 0) return 0x00;
  return uint8_t(std::clamp(scale_exponent(f, p, amax), -127, 127) + 127);
}

double e8m0_value(uint8_t byte) {
  if (byte == 0xFF) return std::numeric_limits<double>::quiet_NaN();
  // 2^(byte - 127) built directly as a double (exponent field byte - 127 + 1023; always normal).
  return std::bit_cast<double>(uint64_t(int(byte) - 127 + 1023) << 52);
}

BlockQuantization quantize_block(const FormatSpec& f, ScalePolicy p,
                                 std::span<const double, kMxBlock> block) {
  BlockQuantization q;
  double amax = 0;
  bool special = false;
  for (double v : block) {
    if (!std::isfinite(v)) special = true;
    amax = std::max(amax, std::fabs(v));
  }
  if (special) {
    // calc_block_scale returns NaN; every element is x / NaN = NaN.
    q.scale = 0xFF;
    q.codes.fill(f.nan_code());
    return q;
  }
  q.scale = scale_byte(f, p, amax);
  const double scale = e8m0_value(q.scale);
  // OCP and torchao clamp elements to +-max; TOSA converts without saturation.
  const OverflowPolicy overflow = (p == ScalePolicy::ocp || p == ScalePolicy::rceil)
                                      ? OverflowPolicy::saturate
                                      : OverflowPolicy::tosa;
  f.quantize_each(block, scale, overflow, q.codes.data());
  return q;
}

}  // namespace mxconf::oracles

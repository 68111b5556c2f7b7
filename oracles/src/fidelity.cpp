#include "mxconf/oracles/fidelity.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace mxconf::oracles {

uint64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) {
    return (std::isnan(a) && std::isnan(b)) ? 0 : std::numeric_limits<uint64_t>::max();
  }
  // Map the sign-magnitude bit patterns onto a monotone integer line.
  auto ordered = [](float x) -> int64_t {
    const int64_t bits = std::bit_cast<int32_t>(x);
    return bits < 0 ? -(bits & 0x7FFFFFFF) : bits;
  };
  const int64_t d = ordered(a) - ordered(b);
  return uint64_t(d < 0 ? -d : d);
}

Fidelity fidelity(std::span<const float> test, std::span<const float> ref) {
  if (test.size() != ref.size()) throw std::invalid_argument("fidelity: size mismatch");
  double rr = 0, tt = 0, rt = 0, ee = 0;
  Fidelity f;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double r = ref[i], t = test[i];
    rr += r * r;
    tt += t * t;
    rt += r * t;
    ee += (r - t) * (r - t);
    f.max_ulp = std::max(f.max_ulp, ulp_distance(test[i], ref[i]));
  }
  if (rr == 0 && tt == 0) {
    f.rel_frobenius = 0;
    f.cosine = 1;
  } else {
    f.rel_frobenius = rr > 0 ? std::sqrt(ee / rr) : std::numeric_limits<double>::infinity();
    f.cosine = (rr > 0 && tt > 0) ? rt / std::sqrt(rr * tt) : 0.0;
  }
  f.sqnr_db = ee > 0 ? 10.0 * std::log10(rr / ee) : std::numeric_limits<double>::infinity();
  return f;
}

}  // namespace mxconf::oracles

// The oracle's arithmetic quantize, against the slowest obviously-right method: scan every code
// for the nearest value, ties to the even code, and apply the overflow policy past max.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mxconf/oracles/format_model.h"

namespace {

using namespace mxconf::oracles;

uint8_t nearest_by_scan(const FormatSpec& f, double v, OverflowPolicy overflow) {
  if (std::isnan(v)) return f.nan_code();
  const uint8_t sign = std::signbit(v) ? f.sign_mask() : uint8_t{0};
  const double mag = std::fabs(v);
  int best = -1, max_code = 0;
  double best_err = INFINITY, max_v = 0;
  for (int c = 0; c < f.code_count() / 2; ++c) {
    const double x = f.value(uint8_t(c));
    if (!std::isfinite(x)) continue;
    if (x > max_v) max_v = x, max_code = c;
    const double err = std::fabs(x - mag);
    if (err < best_err || (err == best_err && c % 2 == 0)) best = c, best_err = err;
  }
  // Past max, RNE against the virtual next value max + ulp (an odd neighbour of an even max).
  const double ulp = max_v - f.value(uint8_t(max_code - 1));
  const bool overflows = mag > max_v + ulp / 2 || (mag == max_v + ulp / 2 && max_code % 2 == 1);
  if (overflows && overflow == OverflowPolicy::tosa) {
    if (f.has_inf()) return uint8_t((max_code + 1) | sign);
    if (f.has_nan()) return f.nan_code();
  }
  if (overflows) return uint8_t(max_code | sign);
  return uint8_t(best | sign);
}

class FormatModel : public ::testing::TestWithParam<const FormatSpec*> {};

TEST_P(FormatModel, QuantizeEqualsTheNearestValueScan) {
  const FormatSpec& f = *GetParam();
  std::vector<double> probes = {0.0, INFINITY, 1e300, 1e-300, 4.9e-324};
  // Every value, every midpoint, and one double ulp either side of each.
  std::vector<double> vals;
  for (int c = 0; c < f.code_count() / 2; ++c) {
    if (std::isfinite(f.value(uint8_t(c)))) vals.push_back(f.value(uint8_t(c)));
  }
  std::sort(vals.begin(), vals.end());
  vals.push_back(2 * vals.back() - vals[vals.size() - 2]);  // past max by one ulp
  for (size_t i = 0; i + 1 < vals.size(); ++i) {
    for (double x : {vals[i], (vals[i] + vals[i + 1]) / 2}) {
      probes.push_back(x);
      probes.push_back(std::nextafter(x, 0.0));
      probes.push_back(std::nextafter(x, INFINITY));
    }
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const double e = std::uniform_real_distribution<double>(-30, 20)(rng);
    probes.push_back(std::exp2(e));
  }
  for (double p : probes) {
    for (double v : {p, -p}) {
      for (OverflowPolicy o : {OverflowPolicy::tosa, OverflowPolicy::saturate}) {
        ASSERT_EQ(f.quantize(v, o), nearest_by_scan(f, v, o))
            << f.name << " v=" << std::hexfloat << v;
      }
    }
  }
}

TEST_P(FormatModel, QuantizeEachDividesFirst) {
  const FormatSpec& f = *GetParam();
  const std::vector<double> in = {0.75, -3.0, 1e-9, 7.0};
  uint8_t out[4];
  f.quantize_each(in, 0.25, OverflowPolicy::saturate, out);
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_EQ(out[i], nearest_by_scan(f, in[i] / 0.25, OverflowPolicy::saturate));
}

INSTANTIATE_TEST_SUITE_P(AllFormats, FormatModel,
                         ::testing::Values(&fp8e4m3(), &fp8e5m2(), &fp6e2m3(), &fp6e3m2(),
                                           &fp4e2m1()),
                         [](const auto& p) { return std::string(p.param->name); });

}  // namespace

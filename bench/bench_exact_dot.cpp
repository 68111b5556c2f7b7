// The oracle's exact MX dot product. Target (issue 2): >= 1 G multiply-accumulates/s per core.
// Operands are decoded once (as the oracle does for a matmul, where each row meets many others);
// the benchmark then measures exact dot products of length K.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "mxconf/oracles/exact_dot.h"

namespace {

using namespace mxconf::oracles;

std::vector<DecodedMxVector> random_rows(const FormatSpec& f, int rows, int k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<DecodedMxVector> out;
  for (int r = 0; r < rows; ++r) {
    std::vector<uint8_t> codes(static_cast<size_t>(k));
    std::vector<uint8_t> scales(static_cast<size_t>(k / 32));
    for (auto& c : codes) {
      do {
        c = uint8_t(rng() % uint32_t(f.code_count()));
      } while (f.is_nan(c) || f.is_inf(c));
    }
    for (auto& s : scales) s = uint8_t(100 + rng() % 50);
    out.push_back(decode_mx_vector(f, codes, scales));
  }
  return out;
}

void BM_ExactDot(benchmark::State& state, const FormatSpec& (*format)()) {
  const int k = int(state.range(0));
  const auto a = random_rows(format(), 16, k, 1);
  const auto b = random_rows(format(), 16, k, 2);
  double sink = 0;
  for (auto _ : state) {
    for (const auto& x : a) {
      for (const auto& y : b) sink += exact_dot(x, y).to_double();
    }
  }
  benchmark::DoNotOptimize(sink);
  state.counters["MAC/s"] =
      benchmark::Counter(double(state.iterations()) * 256.0 * k, benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_ExactDot, fp8e4m3, fp8e4m3)->Arg(1024)->Arg(4096);
BENCHMARK_CAPTURE(BM_ExactDot, fp8e5m2, fp8e5m2)->Arg(4096);
BENCHMARK_CAPTURE(BM_ExactDot, fp6e2m3, fp6e2m3)->Arg(4096);
BENCHMARK_CAPTURE(BM_ExactDot, fp6e3m2, fp6e3m2)->Arg(4096);
BENCHMARK_CAPTURE(BM_ExactDot, fp4e2m1, fp4e2m1)->Arg(4096);

}  // namespace

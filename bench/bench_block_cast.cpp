// CAST_TO_BLOCK_SCALED throughput of formats/: fp32 (and bf16) -> every MX payload.
// Target (issue 2): >= 200 M elements/s per core for fp32 -> MXFP8 with the tosa rule.
#include <benchmark/benchmark.h>

#include <bit>
#include <cstdint>
#include <random>
#include <vector>

#include "mxconf/formats/block_cast.h"

namespace {

using mxconf::formats::ElementType;
using mxconf::formats::ScaleRule;

constexpr size_t kElements = 1 << 20;  // 4 MiB of fp32: beyond L2, like a real activation

std::vector<float> activations() {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(kElements);
  for (size_t i = 0; i < v.size(); ++i) v[i] = dist(rng) * float(1 << (i / 32 % 16));
  return v;
}

void BM_CastFp32(benchmark::State& state, ElementType t, ScaleRule r) {
  const std::vector<float> in = activations();
  std::vector<uint8_t> codes(kElements), scales(kElements / 32);
  for (auto _ : state) {
    mxconf::formats::cast_to_block_scaled(t, r, in, codes, scales);
    benchmark::DoNotOptimize(codes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kElements));
}

void BM_CastBf16(benchmark::State& state, ElementType t) {
  const std::vector<float> f = activations();
  std::vector<uint16_t> in(kElements);
  for (size_t i = 0; i < in.size(); ++i) in[i] = uint16_t(std::bit_cast<uint32_t>(f[i]) >> 16);
  std::vector<uint8_t> codes(kElements), scales(kElements / 32);
  for (auto _ : state) {
    mxconf::formats::cast_to_block_scaled_bf16(t, ScaleRule::tosa, in, codes, scales);
    benchmark::DoNotOptimize(codes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kElements));
}

BENCHMARK_CAPTURE(BM_CastFp32, fp8e4m3_tosa, ElementType::fp8e4m3, ScaleRule::tosa);
BENCHMARK_CAPTURE(BM_CastFp32, fp8e5m2_tosa, ElementType::fp8e5m2, ScaleRule::tosa);
BENCHMARK_CAPTURE(BM_CastFp32, fp6e2m3_tosa, ElementType::fp6e2m3, ScaleRule::tosa);
BENCHMARK_CAPTURE(BM_CastFp32, fp6e3m2_tosa, ElementType::fp6e3m2, ScaleRule::tosa);
BENCHMARK_CAPTURE(BM_CastFp32, fp4e2m1_tosa, ElementType::fp4e2m1, ScaleRule::tosa);
BENCHMARK_CAPTURE(BM_CastFp32, fp8e4m3_ocp, ElementType::fp8e4m3, ScaleRule::ocp);
BENCHMARK_CAPTURE(BM_CastFp32, fp8e4m3_rceil, ElementType::fp8e4m3, ScaleRule::rceil);
BENCHMARK_CAPTURE(BM_CastBf16, fp8e4m3_tosa, ElementType::fp8e4m3);

}  // namespace

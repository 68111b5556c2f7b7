// Pipeline performance (issue 2/6):
//  - MATMUL_T_BLOCK_SCALED in the interpreter, M = N = 256, K = 4096: >= 2 G MAC/s per core.
//  - Writing plus reading a model with 16 MB of constants: >= 500 MB/s.
//  - Lowering a 3-layer model: < 1 ms.
//  - CONV2D_BLOCK_SCALED, 3x3 on 1x56x56x64 -> 64: >= 2 G MAC/s per core (issue 13).
#include <benchmark/benchmark.h>

#include <random>

#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"

namespace {

using namespace mxconf;

void BM_MatmulTBlockScaled(benchmark::State& state, formats::ElementType t) {
  const int64_t m = 256, n = 256, k = 4096;
  std::mt19937 rng(3);
  const int mask = (1 << formats::traits(t).code_bits) - 1;
  std::vector<uint8_t> a(size_t(m * k)), b(size_t(n * k)), as(size_t(m * k / 32)),
      bs(size_t(n * k / 32));
  for (auto& c : a) c = uint8_t(rng() & uint32_t(mask) & ~0x40u);  // finite codes
  for (auto& c : b) c = uint8_t(rng() & uint32_t(mask) & ~0x40u);
  for (auto& s : as) s = uint8_t(120 + rng() % 15);
  for (auto& s : bs) s = uint8_t(120 + rng() % 15);
  std::vector<float> out(size_t(m * n));
  for (auto _ : state) {
    pipeline::matmul_t_block_scaled(t, 1, m, n, k, 1, a.data(), as.data(), b.data(), bs.data(),
                                    out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(double(state.iterations()) * double(m * n * k),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_MatmulTBlockScaled, fp8e4m3, formats::ElementType::fp8e4m3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MatmulTBlockScaled, fp4e2m1, formats::ElementType::fp4e2m1)
    ->Unit(benchmark::kMillisecond);

// CONV2D_BLOCK_SCALED (issue 13's target: >= 2 G MAC/s per core): 3x3, pad 1, stride 1, on
// 1 x 56 x 56 x 64 -> 64 (NHWC), fp8e4m3. MACs = 56 * 56 * 64 * 9 * 64.
void BM_Conv2dBlockScaled(benchmark::State& state) {
  pipeline::Conv2dShape s;
  s.n = 1;
  s.ih = s.iw = 56;
  s.ic = s.oc = 64;
  s.kh = s.kw = 3;
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = 1;
  std::mt19937 rng(5);
  std::vector<uint8_t> in(size_t(s.ih * s.iw * s.ic)), w(size_t(s.oc * 9 * s.ic));
  std::vector<uint8_t> in_s(in.size() / 32), w_s(w.size() / 32);
  for (auto& c : in) c = uint8_t(rng() & 0x77u);  // finite e4m3 codes
  for (auto& c : w) c = uint8_t(rng() & 0xF7u & ~0x40u);
  for (auto& x : in_s) x = uint8_t(120 + rng() % 15);
  for (auto& x : w_s) x = uint8_t(120 + rng() % 15);
  std::vector<float> bias(size_t(s.oc), 0.25f), out(size_t(s.ih * s.iw * s.oc));
  for (auto _ : state) {
    pipeline::conv2d_block_scaled(formats::ElementType::fp8e4m3, s, in.data(), in_s.data(),
                                  w.data(), w_s.data(), bias.data(), s.oc, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(
      double(state.iterations()) * double(56 * 56 * 64 * 9 * 64), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Conv2dBlockScaled)->Unit(benchmark::kMillisecond);

pipeline::ModelSpec three_layers(int64_t k, int64_t n) {
  pipeline::ModelSpec spec;
  spec.input.shape = {8, k};
  for (int i = 0; i < 3; ++i) {
    pipeline::LayerSpec l;
    l.geometry = pipeline::LinearGeom{i == 0 ? k : n, n};
    l.bias = true;
    l.weights.seed = uint64_t(i + 1);
    spec.layers.push_back(l);
  }
  return spec;
}

void BM_WriteReadTosa(benchmark::State& state) {
  // 3 layers of 2368 x 2368 fp8 weights: ~16.8 MB of constants.
  const pipeline::Graph g = pipeline::lower_model(three_layers(2368, 2368));
  size_t const_bytes = 0;
  for (const auto& t : g.tensors) const_bytes += t.data ? t.data->size() : 0;
  for (auto _ : state) {
    const std::vector<uint8_t> bytes = pipeline::serialize_graph(g);
    const pipeline::LoadResult r = pipeline::deserialize_graph(bytes);
    benchmark::DoNotOptimize(r.graph->tensors.data());
  }
  state.counters["const_MB"] = double(const_bytes) / 1e6;
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(const_bytes));
}
BENCHMARK(BM_WriteReadTosa)->Unit(benchmark::kMillisecond);

// Three layers K = N = state.range(0): 64 is the size of a conformance case; 256 allocates
// 256 KiB weights, whose first-touch page faults dominate on a VM (see docs/performance.md).
void BM_Lower3Layers(benchmark::State& state) {
  const pipeline::ModelSpec spec = three_layers(state.range(0), state.range(0));
  for (auto _ : state) {
    pipeline::Graph g = pipeline::lower_model(spec);
    benchmark::DoNotOptimize(g.ops.data());
  }
}
BENCHMARK(BM_Lower3Layers)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

}  // namespace

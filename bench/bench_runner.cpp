// Conformance cases end to end (issue 3/6 target: >= 2,000 small cases/s per core, where small
// means one layer with M*N <= 1024 and K <= 256): generate -> lower -> validate -> serialize ->
// load -> execute -> judge, through runner::run_case.
#include <benchmark/benchmark.h>

#include "mxconf/generators/case_gen.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/run_case.h"

namespace {

using namespace mxconf;

const runner::SystemUnderTest& reference() {
  static const std::unique_ptr<runner::SystemUnderTest> sut = runner::make_reference_sut();
  return *sut;
}

generators::GenConfig small_config() {
  generators::GenConfig cfg;
  cfg.max_k_blocks = 8;  // K <= 256
  return cfg;
}

// Indices (run seed 1) of the first `count` generated cases that are small.
std::vector<uint64_t> small_case_indices(size_t count) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; out.size() < count; ++i) {
    const generators::Case c = generators::generate_case(small_config(), 1, i);
    int64_t m = 1;
    for (size_t d = 0; d + 1 < c.model.input.shape.size(); ++d) m *= c.model.input.shape[d];
    if (c.model.layers.size() == 1 && m * c.model.layers[0].out_width() <= 1024) out.push_back(i);
  }
  return out;
}

std::vector<generators::Case> small_cases(size_t count) {
  std::vector<generators::Case> out;
  for (uint64_t i : small_case_indices(count))
    out.push_back(generators::generate_case(small_config(), 1, i));
  return out;
}

void BM_SmallCases(benchmark::State& state) {
  const std::vector<generators::Case> cases = small_cases(500);
  size_t i = 0, bad = 0;
  for (auto _ : state) {
    const runner::CaseResult r = runner::run_case(cases[i++ % cases.size()], reference());
    bad += r.verdict != mxconf::Verdict::pass;
  }
  state.counters["cases/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["not_pass"] = double(bad);
}
BENCHMARK(BM_SmallCases)->Unit(benchmark::kMicrosecond)->MinTime(3.0);

// The same cases with generation inside the timed loop: the end-to-end figure.
void BM_SmallCasesWithGeneration(benchmark::State& state) {
  const std::vector<uint64_t> indices = small_case_indices(500);
  const generators::GenConfig cfg = small_config();
  size_t i = 0, bad = 0;
  for (auto _ : state) {
    const generators::Case c = generators::generate_case(cfg, 1, indices[i++ % indices.size()]);
    bad += runner::run_case(c, reference()).verdict != mxconf::Verdict::pass;
  }
  state.counters["cases/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["not_pass"] = double(bad);
}
BENCHMARK(BM_SmallCasesWithGeneration)->Unit(benchmark::kMicrosecond)->MinTime(3.0);

}  // namespace

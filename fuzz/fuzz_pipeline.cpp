// A FuzzedDataProvider builds a valid MXFP linear model (shapes, payload, dim order, bias,
// layers, scale rules, lowering) with raw fp32/bf16 bit patterns for the input and weights
// (NaN, Inf and subnormals included), then runs the whole pipeline and the oracle. A pipeline
// error on a valid model, or any tier-(a) disagreement, aborts after printing the model.
#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "mxconf/runner/judge.h"

namespace {

using namespace mxconf;

struct FuzzCase {
  pipeline::ModelSpec model;
  std::vector<float> input;
  formats::ScaleRule cast_rule = formats::ScaleRule::tosa;
  pipeline::LowerOptions lowering;
};

float raw_float(FuzzedDataProvider& p, bool bf16) {
  uint32_t bits = p.ConsumeIntegral<uint32_t>();
  if (bf16) bits &= 0xFFFF0000u;  // bf16-exact
  return std::bit_cast<float>(bits);
}

template <typename T, size_t N>
T pick(FuzzedDataProvider& p, const T (&options)[N]) {
  return options[p.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

FuzzCase build(FuzzedDataProvider& p) {
  FuzzCase c;
  pipeline::ModelSpec& m = c.model;
  const auto payload = pick(p, formats::kAllElementTypes);
  c.cast_rule = pick(p, formats::kAllScaleRules);
  const size_t rank = p.ConsumeIntegralInRange<size_t>(1, 3);
  // Small shapes keep the target fast: every extra block or row is more of the same code, and
  // under ASan and comparison tracing each multiply-add costs tens of nanoseconds. Two blocks
  // along K, two leading dims of size 2 and a second layer are each reachable, not all at once.
  // A second layer (a 32-wide hidden layer: four times the work) is one input in four.
  const int layers = p.ConsumeIntegralInRange(0, 3) == 3 ? 2 : 1;
  const int64_t k = layers == 1 ? 32 * p.ConsumeIntegralInRange<int64_t>(1, 2) : 32;
  for (size_t d = 0; d + 1 < rank; ++d) m.input.shape.push_back(p.ConsumeIntegralInRange(1, 2));
  m.input.shape.push_back(k);
  m.input.dtype = p.ConsumeBool() ? pipeline::DType::bf16 : pipeline::DType::fp32;
  m.output.dtype = p.ConsumeBool() ? pipeline::DType::bf16 : pipeline::DType::fp32;
  if (p.ConsumeBool()) {
    m.input.dim_order.resize(rank);
    std::iota(m.input.dim_order.begin(), m.input.dim_order.end(), 0);
    for (size_t i = rank; i > 1; --i)
      std::swap(m.input.dim_order[i - 1],
                m.input.dim_order[p.ConsumeIntegralInRange<size_t>(0, i - 1)]);
  }
  c.lowering.batched_matmul = p.ConsumeBool();
  int64_t in = k;
  for (int i = 0; i < layers; ++i) {
    pipeline::LayerSpec l;
    l.in_features = in;
    l.out_features = i + 1 < layers ? 32 : p.ConsumeIntegralInRange<int64_t>(1, 5);
    l.payload = payload;
    l.weight_scale_rule = pick(p, formats::kAllScaleRules);
    l.bias = p.ConsumeBool();
    l.weights.kind = pipeline::ValueSource::Kind::values;
    for (int64_t j = 0; j < l.in_features * l.out_features; ++j)
      l.weights.values.push_back(raw_float(p, false));
    if (l.bias) {
      l.bias_values.kind = pipeline::ValueSource::Kind::values;
      for (int64_t j = 0; j < l.out_features; ++j)
        l.bias_values.values.push_back(raw_float(p, false));
    }
    m.layers.push_back(std::move(l));
    in = m.layers.back().out_features;
  }
  int64_t elements = 1;
  for (int64_t d : m.input.shape) elements *= d;
  const bool bf16 = m.input.dtype == pipeline::DType::bf16;
  for (int64_t j = 0; j < elements; ++j) c.input.push_back(raw_float(p, bf16));
  return c;
}

[[noreturn]] void report(const FuzzCase& c, const std::string& what) {
  nlohmann::json input = nlohmann::json::array();
  for (float v : c.input) input.push_back(std::bit_cast<uint32_t>(v));
  const nlohmann::json j = {{"model", pipeline::to_json(c.model)},
                            {"cast_rule", formats::name(c.cast_rule)},
                            {"batched_matmul", c.lowering.batched_matmul},
                            {"input_bits", input}};
  std::fprintf(stderr, "fuzz_pipeline: %s\n%s\n", what.c_str(), j.dump().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const FuzzCase c = build(provider);
  const bool bf16 =
      c.model.input.dtype == pipeline::DType::bf16 || c.model.output.dtype == pipeline::DType::bf16;
  const auto target = pipeline::Target::parse(bf16 ? "TOSA-1.1+FP+mxfp+bf16" : "TOSA-1.1+FP+mxfp");
  const runner::PipelineRun run =
      runner::run_pipeline(c.model, c.input, target, c.cast_rule, "", c.lowering);
  if (!run.failed_stage.empty())
    report(c, "a valid model failed at " + run.failed_stage + ": " + run.error);
  runner::OracleExpectation want;
  try {
    want = runner::oracle_expectation(c.model, c.input, c.cast_rule, "", /*bit_exact_only=*/true);
  } catch (const std::exception& e) {
    report(c, std::string("the oracle failed: ") + e.what());
  }
  const nlohmann::json a = runner::judge_bit_exact(run, want);
  if (!a["pass"].get<bool>()) report(c, "tier (a) disagreement: " + a.dump());
  return 0;
}

// A FuzzedDataProvider builds a valid MXFP linear case (shapes, payload, dim order, bias, layers,
// scale rules, lowering) or, one input in eight, a one-layer MXFP conv2d case (kernel, stride,
// dilation, asymmetric pads, dim order, folded or not), with raw fp32/bf16 bit patterns for the
// input and weights (NaN, Inf and subnormals included): a generators::Case, the same model
// `mxconf run` uses. mxconf's pipeline
// runs it and tier (a) judges it. A pipeline error on a valid case, or any tier-(a)
// disagreement, writes the case as fuzz_pipeline-<fingerprint>.case.json (in $MXCONF_FUZZ_CASE_DIR,
// else the current directory), prints its `mxconf replay` line and aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/tiers.h"

namespace {

using namespace mxconf;

uint32_t raw_bits(FuzzedDataProvider& p, bool bf16) {
  uint32_t bits = p.ConsumeIntegral<uint32_t>();
  if (bf16) bits &= 0xFFFF0000u;  // bf16-exact
  return bits;
}

template <typename T, size_t N>
T pick(FuzzedDataProvider& p, const T (&options)[N]) {
  return options[p.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

const pipeline::Target& target(bool bf16) {
  static const pipeline::Target fp32 = pipeline::Target::parse("TOSA-1.1+FP+mxfp+mxfp_conv");
  static const pipeline::Target with_bf16 =
      pipeline::Target::parse("TOSA-1.1+FP+mxfp+mxfp_conv+bf16");
  return bf16 ? with_bf16 : fp32;
}

void fill_bits(FuzzedDataProvider& p, pipeline::ValueSource& s, int64_t count) {
  s.kind = pipeline::ValueSource::Kind::bits;
  for (int64_t j = 0; j < count; ++j) s.values.push_back(std::bit_cast<float>(raw_bits(p, false)));
}

// One axis of a conv: a kernel, stride, dilation and pads that TOSA's exact-size rule allows on
// an input of `in` (the stride and the kernel give way, as the generator's do).
int64_t conv_axis(FuzzedDataProvider& p, int64_t in, int64_t& k, int64_t& s, int64_t& d,
                  int64_t& pa, int64_t& pb) {
  k = p.ConsumeIntegralInRange<int64_t>(1, 3);
  s = p.ConsumeIntegralInRange<int64_t>(1, 2);
  d = p.ConsumeIntegralInRange<int64_t>(1, 2);
  pa = p.ConsumeIntegralInRange<int64_t>(0, 2);
  pb = p.ConsumeIntegralInRange<int64_t>(0, 2);
  if (in - 1 + pa + pb - (k - 1) * d < 0) d = 1;
  k = std::min(k, in + pa + pb);
  const int64_t span = in - 1 + pa + pb - (k - 1) * d;
  while (span % s != 0) --s;
  return span / s + 1;
}

// Small on purpose (IC 32, H and W up to 3, OC up to 3): under ASan every tap costs.
generators::Case build_conv(FuzzedDataProvider& p) {
  generators::Case c;
  pipeline::ModelSpec& m = c.model;
  // The payloads CONV2D_BLOCK_SCALED takes (the operator table's column: no MXINT8).
  const auto& payloads = pipeline::layer_op(pipeline::LayerKind::conv2d).payloads;
  const auto payload = payloads[p.ConsumeIntegralInRange<size_t>(0, payloads.size() - 1)];
  c.target.cast_rule = pick(p, formats::kAllScaleRules);
  const int64_t h = p.ConsumeIntegralInRange<int64_t>(1, 3),
                w = p.ConsumeIntegralInRange<int64_t>(1, 3);
  m.input.shape = {1, 32, h, w};
  m.input.dtype = p.ConsumeBool() ? pipeline::DType::bf16 : pipeline::DType::fp32;
  m.output.dtype = p.ConsumeBool() ? pipeline::DType::bf16 : pipeline::DType::fp32;
  if (p.ConsumeBool()) m.input.dim_order = {0, 2, 3, 1};
  if (p.ConsumeBool()) m.output.dim_order = {0, 2, 3, 1};
  c.lowering.fold_transposes = p.ConsumeBool();
  pipeline::LayerSpec l;
  pipeline::Conv2dGeom g;
  g.in_channels = 32;
  g.out_channels = p.ConsumeIntegralInRange<int64_t>(1, 3);
  conv_axis(p, h, g.kernel[0], g.stride[0], g.dilation[0], g.pad[0], g.pad[1]);
  conv_axis(p, w, g.kernel[1], g.stride[1], g.dilation[1], g.pad[2], g.pad[3]);
  g.symmetric = g.pad[0] == g.pad[1] && g.pad[2] == g.pad[3];
  l.geometry = g;
  l.payload = payload;
  l.weight_scale_rule = pick(p, formats::kAllScaleRules);
  l.bias = p.ConsumeBool();
  fill_bits(p, l.weights, l.out_width() * 32 * g.kernel[0] * g.kernel[1]);
  if (l.bias) {
    pipeline::ValueSource b;
    fill_bits(p, b, l.out_width());
    l.bias_values = std::move(b);
  }
  m.layers.push_back(std::move(l));
  const bool bf16_in = m.input.dtype == pipeline::DType::bf16;
  c.data.campaign = generators::Campaign::fixed;
  for (int64_t j = 0; j < 32 * h * w; ++j) c.data.input_bits.push_back(raw_bits(p, bf16_in));
  c.target.profile = target(bf16_in || m.output.dtype == pipeline::DType::bf16);
  return c;
}

generators::Case build(FuzzedDataProvider& p) {
  if (p.ConsumeIntegralInRange(0, 7) == 7) return build_conv(p);
  generators::Case c;
  pipeline::ModelSpec& m = c.model;
  const auto payload = pick(p, formats::kAllElementTypes);
  c.target.cast_rule = pick(p, formats::kAllScaleRules);
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
  c.lowering.reshape_after_cast = p.ConsumeBool();
  int64_t in = k;
  for (int i = 0; i < layers; ++i) {
    pipeline::LayerSpec l;
    l.geometry =
        pipeline::LinearGeom{in, i + 1 < layers ? 32 : p.ConsumeIntegralInRange<int64_t>(1, 5)};
    l.payload = payload;
    l.weight_scale_rule = pick(p, formats::kAllScaleRules);
    l.bias = p.ConsumeBool();
    l.weights.kind = pipeline::ValueSource::Kind::bits;
    for (int64_t j = 0; j < l.in_width() * l.out_width(); ++j)
      l.weights.values.push_back(std::bit_cast<float>(raw_bits(p, false)));
    if (l.bias) {
      pipeline::ValueSource b;
      b.kind = pipeline::ValueSource::Kind::bits;
      for (int64_t j = 0; j < l.out_width(); ++j)
        b.values.push_back(std::bit_cast<float>(raw_bits(p, false)));
      l.bias_values = std::move(b);
    }
    m.layers.push_back(std::move(l));
    in = m.layers.back().out_width();
  }
  int64_t elements = 1;
  for (int64_t d : m.input.shape) elements *= d;
  const bool bf16_in = m.input.dtype == pipeline::DType::bf16;
  c.data.campaign = generators::Campaign::fixed;
  for (int64_t j = 0; j < elements; ++j) c.data.input_bits.push_back(raw_bits(p, bf16_in));
  c.target.profile = target(bf16_in || m.output.dtype == pipeline::DType::bf16);
  return c;
}

[[noreturn]] void report(const generators::Case& c, const std::string& what) {
  const char* dir = std::getenv("MXCONF_FUZZ_CASE_DIR");
  const std::filesystem::path path = std::filesystem::path(dir ? dir : ".") /
                                     ("fuzz_pipeline-" + generators::fingerprint(c) + ".case.json");
  std::ofstream(path) << generators::to_json(c).dump(2) << "\n";
  std::fprintf(stderr, "fuzz_pipeline: %s\nthe case: %s\nreplay: mxconf replay %s\n", what.c_str(),
               path.c_str(), path.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<runner::SystemUnderTest> sut = runner::make_reference_sut();
  FuzzedDataProvider provider(data, size);
  const generators::Case c = build(provider);
  const runner::PreparedCase p = runner::prepare_case(c);
  const runner::Observation seen = sut->run(c, p);
  if (seen.failure) {
    report(c, "a valid case failed at " + std::string(mxconf::name(seen.failure->stage)) + ": " +
                  seen.failure->message);
  }
  runner::OracleExpectation want;
  try {
    want = runner::oracle_expectation(p, c.target.cast_rule, /*bit_exact_only=*/true);
  } catch (const std::exception& e) {
    report(c, std::string("the oracle failed: ") + e.what());
  }
  const runner::TierResult a = runner::judge_tier(mxconf::Tier::a, seen, {c, p, want});
  if (!a.pass(mxconf::Level::bit_exact)) report(c, "tier (a) disagreement: " + a.record().dump());
  return 0;
}

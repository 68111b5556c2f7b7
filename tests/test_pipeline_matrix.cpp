// The reference lowering's 12-case test matrix (executorch-mxfp-lowering.md §7), in every MX
// payload: lowered, validated, serialized, read back and executed; bit-exact against the oracle's
// pseudocode-order reference, and within the per-dtype fidelity thresholds against fp32.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mxconf/oracles/fidelity.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/tiers.h"

namespace mxconf::test {
namespace {

using pipeline::LayerSpec;
using pipeline::ModelSpec;
using pipeline::ValueSource;

struct MatrixCase {
  const char* name;
  std::vector<int64_t> shape;
  int64_t out;
  bool bias;
  enum Data { zeros, rand, ones, block_act, block_act_2rows } data;
  bool block_weights;
  std::vector<int64_t> dim_order;
};

const std::vector<MatrixCase>& cases() {
  static const std::vector<MatrixCase> c = {
      {"rank1_zeros", {256}, 5, true, MatrixCase::zeros, false, {}},
      {"rank1_rand", {32}, 16, false, MatrixCase::rand, false, {}},
      {"rank2_zeros", {4, 32}, 16, true, MatrixCase::zeros, false, {}},
      {"rank2_rand", {4, 192}, 13, true, MatrixCase::rand, false, {}},
      {"rank3_zeros", {2, 4, 96}, 1, true, MatrixCase::zeros, false, {}},
      {"rank3_rand", {2, 4, 32}, 20, true, MatrixCase::rand, false, {}},
      {"rank4_zeros", {2, 3, 4, 768}, 8, true, MatrixCase::zeros, false, {}},
      {"rank4_rand", {2, 3, 4, 1024}, 64, false, MatrixCase::rand, false, {}},
      {"rank1_block_weights", {64}, 4, false, MatrixCase::ones, true, {}},
      {"rank1_block_weights_block_activations", {64}, 4, false, MatrixCase::block_act, true, {}},
      {"rank2_block_weights_block_activations",
       {2, 64},
       4,
       false,
       MatrixCase::block_act_2rows,
       true,
       {}},
      {"rank4_channels_last", {1, 2, 2, 64}, 8, true, MatrixCase::rand, false, {0, 2, 3, 1}},
  };
  return c;
}

std::vector<float> make_input(const MatrixCase& c, uint32_t seed) {
  int64_t n = 1;
  for (int64_t d : c.shape) n *= d;
  std::vector<float> x(size_t(n), 0.0f);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  switch (c.data) {
    case MatrixCase::zeros:
      break;
    case MatrixCase::rand:
      for (float& v : x) v = uni(rng);
      break;
    case MatrixCase::ones:
      for (float& v : x) v = 1.0f;
      break;
    case MatrixCase::block_act:
    case MatrixCase::block_act_2rows:
      // 32 values ~1e-3 * randn, then 32 ~100 * randn; the second row swaps the halves.
      for (size_t i = 0; i < x.size(); ++i) {
        const bool second_row = i >= 64;
        const bool small = ((i % 64) < 32) != second_row;
        x[i] = (small ? 1e-3f : 100.0f) * gauss(rng);
      }
      break;
  }
  return x;
}

ModelSpec make_model(const MatrixCase& c, formats::ElementType payload) {
  ModelSpec m;
  m.input.shape = c.shape;
  m.input.dim_order = c.dim_order;
  LayerSpec l;
  l.geometry = pipeline::LinearGeom{c.shape.back(), c.out};
  l.bias = c.bias;
  l.payload = payload;
  l.weights.seed = 1234;
  l.bias_values = ValueSource{};
  l.bias_values->seed = 99;
  if (c.block_weights) {  // set_block_test_weights: columns 0-31 = 1e-3, 32-63 = 100, bias 0
    l.weights.kind = ValueSource::Kind::values;
    for (int64_t r = 0; r < c.out; ++r) {
      for (int64_t k = 0; k < 64; ++k) l.weights.values.push_back(k < 32 ? 1e-3f : 100.0f);
    }
  }
  m.layers = {l};
  return m;
}

struct Threshold {
  double frobenius, cosine;
};

// ExecuTorch's per-dtype thresholds, as the runner applies them (runner::fidelity_threshold).
Threshold threshold(formats::ElementType t) {
  const auto [frobenius, cosine] = runner::fidelity_threshold(t);
  return {frobenius, cosine};
}

// ExecuTorch's compare_rel_frobenius_and_cosine_similarity: an all-zero reference is skipped, the
// Frobenius check too when ||ref|| <= 1e-8, and 0.02 comes off the Frobenius error when the
// cosine is at least max(0.98, threshold).
void expect_fidelity(const std::vector<float>& test, const std::vector<float>& ref, Threshold t,
                     const std::string& what) {
  double norm = 0;
  for (float v : ref) norm += double(v) * v;
  if (norm == 0) return;
  const oracles::Fidelity f = oracles::fidelity(test, ref);
  EXPECT_GE(f.cosine, t.cosine) << what;
  if (std::sqrt(norm) <= 1e-8) return;
  const double frob =
      f.cosine >= std::max(0.98, t.cosine) ? f.rel_frobenius - 0.02 : f.rel_frobenius;
  EXPECT_LE(frob, t.frobenius) << what << " (cosine " << f.cosine << ")";
}

// Lower -> validate -> serialize -> load -> execute with mxconf's own pipeline.
runner::Observation run_pipeline(const ModelSpec& m, const std::vector<float>& x,
                                 const pipeline::Target& target,
                                 const pipeline::LowerOptions& lowering = {}) {
  runner::Observation obs;
  if (const auto lowered = runner::lower_to_tosa(m, target, lowering, obs)) {
    try {
      runner::execute_graph(m, x, formats::ScaleRule::tosa, lowered->graph, obs);
    } catch (const std::exception& e) {
      obs.fail(mxconf::stage::execute, e.what());
    }
  }
  return obs;
}

std::string failure_of(const runner::Observation& o) {
  return o.failure ? std::string(mxconf::name(o.failure->stage)) + ": " + o.failure->message : "";
}

class ReferenceMatrix : public ::testing::TestWithParam<std::tuple<size_t, formats::ElementType>> {
};

TEST_P(ReferenceMatrix, BitExactAgainstOracleAndWithinFidelity) {
  const MatrixCase& c = cases()[std::get<0>(GetParam())];
  const formats::ElementType payload = std::get<1>(GetParam());
  const ModelSpec m = make_model(c, payload);
  const std::vector<float> x = make_input(c, 7);
  const auto target = pipeline::Target::parse("TOSA-1.1+FP+mxfp");
  const runner::Observation run = run_pipeline(m, x, target);
  ASSERT_FALSE(run.failure) << failure_of(run);
  // Serialize again from what was read back: byte for byte, and the same graph.
  const pipeline::Graph lowered = pipeline::lower_model(m);
  const std::vector<uint8_t> bytes = pipeline::serialize_graph(lowered);
  const pipeline::LoadResult loaded = pipeline::deserialize_graph(bytes);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(pipeline::serialize_graph(*loaded.graph), bytes);
  EXPECT_EQ(*loaded.graph, lowered);

  const runner::PreparedCase prepared{m, x};
  const runner::OracleExpectation want =
      runner::oracle_expectation(prepared, formats::ScaleRule::tosa);
  ASSERT_EQ(run.output.size(), want.pseudocode.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < run.output.size(); ++i) {
    if (std::bit_cast<uint32_t>(run.output[i]) != std::bit_cast<uint32_t>(want.pseudocode[i]) &&
        ++mismatches <= 3) {
      ADD_FAILURE() << c.name << " element " << i << ": interpreter " << run.output[i] << " oracle "
                    << want.pseudocode[i];
    }
  }
  EXPECT_EQ(mismatches, 0u);
  // The tier-(a)-only oracle (fuzz_pipeline's) gives the same target and casts.
  const runner::OracleExpectation lean =
      runner::oracle_expectation(prepared, formats::ScaleRule::tosa, /*bit_exact_only=*/true);
  EXPECT_EQ(lean.pseudocode, want.pseudocode);
  ASSERT_EQ(lean.layers.size(), want.layers.size());
  for (size_t i = 0; i < want.layers.size(); ++i) {
    EXPECT_EQ(lean.layers[i].x_codes, want.layers[i].x_codes);
    EXPECT_EQ(lean.layers[i].w_codes, want.layers[i].w_codes);
    EXPECT_EQ(lean.layers[i].w_scales, want.layers[i].w_scales);
  }
  EXPECT_TRUE(lean.exact_last().empty() && lean.fp32_model.empty());
  // The batched lowering (A = [B, S, K], weights broadcast) computes the same bits.
  pipeline::LowerOptions batched;
  batched.batched_matmul = true;
  const runner::Observation brun = run_pipeline(m, x, target, batched);
  ASSERT_FALSE(brun.failure) << failure_of(brun);
  EXPECT_EQ(brun.output, run.output) << c.name << " batched";
  expect_fidelity(run.output, want.fp32_model, threshold(payload),
                  std::string(c.name) + " " + std::string(formats::name(payload)));
}

INSTANTIATE_TEST_SUITE_P(AllPayloads, ReferenceMatrix,
                         ::testing::Combine(::testing::Range(size_t{0}, size_t{12}),
                                            ::testing::ValuesIn(formats::kAllElementTypes)),
                         [](const auto& p) {
                           return std::string(cases()[std::get<0>(p.param)].name) + "_" +
                                  std::string(formats::name(std::get<1>(p.param)));
                         });

}  // namespace
}  // namespace mxconf::test

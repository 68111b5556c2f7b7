// Mutation score: each injected fault (faults/faults.h) must be caught. Built only with
// MXCONF_FAULT_INJECTION (the default and asan presets); docs/mutation-score.md has the table.
#include <gtest/gtest.h>

#include <algorithm>

#include "mxconf/faults/faults.h"
#include "mxconf/generators/case_gen.h"
#include "mxconf/oracles/pseudocode_ref.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/runner/quantize_campaign.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

using faults::Fault;

struct FaultGuard {
  explicit FaultGuard(Fault f) { faults::inject(f); }
  ~FaultGuard() { faults::inject(Fault::none); }
};

// The default campaign (every operator and campaign, 10% invalid, each case drawing its cast
// rule as `mxconf run` does for its own pipeline), K up to 32 blocks to keep CI short, with one
// case of the quantize campaign (quantize_campaign.h, what `mxconf selfcheck` runs) after every
// tenth: `mxconf quantize` is a path users take that no graph reaches.
int first_detection(Fault f, int limit) {
  FaultGuard guard(f);
  generators::GenConfig cfg;
  cfg.invalid_fraction = 0.1;
  cfg.max_k_blocks = 32;
  cfg.vary_cast_rule = true;
  const auto dir = scratch_dir("mutation_quantize_" + std::string(faults::name(f)));
  for (int i = 0; i < limit; ++i) {
    const runner::CaseResult r = run_reference(generators::generate_case(cfg, 1, uint64_t(i)));
    if (!mxconf::is_good(r.verdict)) return i;
    if (i % 10 == 9) {
      const runner::QuantizeCase q = runner::quantize_case_at(1, uint64_t(i / 10));
      if (!runner::check_quantize_case(q, dir / std::to_string(i)).empty()) return i;
      std::filesystem::remove_all(dir / std::to_string(i));
    }
  }
  return -1;
}

class CampaignDetects : public ::testing::TestWithParam<Fault> {};

TEST_P(CampaignDetects, Fault) {
  ASSERT_TRUE(faults::compiled_in());
  const int at = first_detection(GetParam(), 2000);
  EXPECT_GE(at, 0) << faults::name(GetParam()) << " survived 2000 cases";
  RecordProperty("first_detecting_case", std::to_string(at));
}

INSTANTIATE_TEST_SUITE_P(MutationScore, CampaignDetects, ::testing::ValuesIn(faults::all_faults()),
                         [](const auto& p) { return std::string(faults::name(p.param)); });

// The kernel-level check of the same fault, independent of the generator: a batched
// MATMUL_T_BLOCK_SCALED with D == 1 < N against the oracle.
TEST(MutationScore, BroadcastFaultCaughtOnABatchedMatmul) {
  const int64_t n = 2, h = 3, w = 4, c = 64;
  std::vector<uint8_t> ac(size_t(n * h * c)), bc(size_t(w * c)), as(size_t(n * h * c / 32), 127);
  std::vector<uint8_t> bs(size_t(2 * w * c / 32), 127);  // room for the faulty read of batch 1
  for (size_t i = 0; i < ac.size(); ++i) ac[i] = uint8_t(0x30 + i % 9);
  for (size_t i = 0; i < bc.size(); ++i) bc[i] = uint8_t(0x38 + i % 5);
  std::vector<uint8_t> bc_padded = bc;
  bc_padded.resize(bc.size() * 2, 0x40);  // what lies past B if it is indexed with D == N
  const auto& f = *oracles::format_by_name("fp8e4m3");
  const auto want = oracles::pseudocode_matmul_t(f, {n, h, w, c, 1}, ac, as, bc,
                                                 std::span(bs).first(size_t(w * c / 32)));
  std::vector<float> got(size_t(n * h * w));
  {
    FaultGuard guard(Fault::broadcast_b_d_eq_n);
    pipeline::matmul_t_block_scaled(formats::ElementType::fp8e4m3, n, h, w, c, 1, ac.data(),
                                    as.data(), bc_padded.data(), bs.data(), got.data());
  }
  EXPECT_NE(got, want) << "the faulty kernel reads batch 1 of B";
  pipeline::matmul_t_block_scaled(formats::ElementType::fp8e4m3, n, h, w, c, 1, ac.data(),
                                  as.data(), bc_padded.data(), bs.data(), got.data());
  EXPECT_EQ(got, want) << "and the correct kernel does not";
}

// A system that casts with another rule fails with a diagnosis naming that rule; a fault of
// another kind (rounding) is not explained by any rule. The diagnosis is what lets a report tell
// "implements pre-#44" apart from "rounds wrongly".
TEST(MutationScore, TheDiagnosisNamesTheRuleAFaultyCastImplements) {
  generators::GenConfig cfg;
  cfg.max_k_blocks = 8;
  auto failures = [&](Fault f) {
    FaultGuard guard(f);
    std::vector<runner::CaseResult> out;
    for (uint64_t i = 0; i < 300; ++i) {
      runner::CaseResult r = run_reference(generators::generate_case(cfg, 2, i));
      if (r.verdict == mxconf::Verdict::fail) out.push_back(std::move(r));
    }
    return out;
  };
  const auto pre44 = failures(Fault::pre44_in_cast);
  ASSERT_GT(pre44.size(), 10u);
  for (const runner::CaseResult& r : pre44) {
    EXPECT_NE(
        std::find(r.explained_by.begin(), r.explained_by.end(), formats::ScaleRule::tosa_pre44),
        r.explained_by.end())
        << r.name;
    EXPECT_NE(r.to_json()["symptom"].get<std::string>().find("passes with cast rule tosa-pre44"),
              std::string::npos);
  }
  const auto rounding = failures(Fault::round_half_away);
  ASSERT_GT(rounding.size(), 0u);
  for (const runner::CaseResult& r : rounding) EXPECT_TRUE(r.explained_by.empty()) << r.name;
}

}  // namespace
}  // namespace mxconf::test

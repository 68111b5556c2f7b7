// The conformance runner: cases, generators, judging, sharding, resume, regressions.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "mxconf/io/json_reader.h"

#include "mxconf/generators/case_gen.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/runner/expectation.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/run_loop.h"
#include "mxconf/runner/shrink.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

namespace fs = std::filesystem;
using generators::Case;
using generators::GenConfig;

TEST(CaseModel, WriteReadIsTheSameCaseAndFingerprint) {
  GenConfig cfg;
  cfg.invalid_fraction = 0.3;
  for (uint64_t i = 0; i < 200; ++i) {
    const Case c = generators::generate_case(cfg, 42, i);
    const Case back =
        generators::case_from_json(nlohmann::json::parse(generators::to_json(c).dump()));
    ASSERT_EQ(back, c) << i;
    EXPECT_EQ(generators::fingerprint(back), generators::fingerprint(c));
  }
  Case c = generators::generate_case(cfg, 42, 0);
  const std::string fp = generators::fingerprint(c);
  c.data.seed ^= 1;
  EXPECT_NE(generators::fingerprint(c), fp) << "every field is part of the fingerprint";
  EXPECT_EQ(generators::generate_case(cfg, 42, 7), generators::generate_case(cfg, 42, 7))
      << "deterministic";
}

TEST(CaseModel, RejectsBadCasesWithTheJsonPath) {
  nlohmann::json j = generators::to_json(generators::generate_case({}, 1, 1));
  j["model"]["layers"][0]["in_features"] = 33;
  try {
    generators::case_from_json(j);
    FAIL();
  } catch (const io::JsonError& e) {
    EXPECT_EQ(e.path(), "/model/layers/0/in_features");
  }
  j = generators::to_json(generators::generate_case({}, 1, 1));
  j["data"]["campaign"] = "sunny";
  EXPECT_THROW(generators::case_from_json(j), io::JsonError);
}

TEST(Generators, CoverEveryDtypeRankLayoutCampaignAndRuleIn5000Cases) {
  GenConfig cfg;
  cfg.invalid_fraction = 0.1;
  std::set<std::string> payloads, layouts, campaigns, rules, dtypes;
  std::set<size_t> ranks, layers;
  std::set<bool> batched, mx_reshape;
  for (uint64_t i = 0; i < 5000; ++i) {
    const Case c = generators::generate_case(cfg, 2026, i);
    payloads.insert(std::string(formats::name(c.model.layers[0].payload)));
    ranks.insert(c.model.input.shape.size());
    layers.insert(c.model.layers.size());
    campaigns.insert(std::string(generators::name(c.data.campaign)));
    dtypes.insert(std::string(pipeline::name(c.model.input.dtype)));
    const auto& o = c.model.input.dim_order;
    bool identity = true;
    for (size_t d = 0; d < o.size(); ++d) identity &= o[d] == int64_t(d);
    layouts.insert(o.empty() || identity                   ? "contiguous"
                   : o == std::vector<int64_t>{0, 2, 3, 1} ? "channels_last"
                                                           : "permuted");
    if (c.expect.rule) rules.insert(std::string(generators::name(*c.expect.rule)));
    if (c.model.input.shape.size() >= 3) batched.insert(c.lowering.batched_matmul);
    if (generators::op_of(c) == pipeline::LayerKind::linear)
      mx_reshape.insert(c.lowering.reshape_after_cast);
    EXPECT_EQ(c.model.layers[0].in_width() % 32, 0);
  }
  EXPECT_EQ(payloads.size(), 6u);  // the five fp payloads and mxint8
  EXPECT_EQ(ranks, (std::set<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(layers, (std::set<size_t>{1, 2, 3}));
  EXPECT_EQ(campaigns.size(), std::size(generators::kAllCampaigns));
  EXPECT_EQ(layouts, (std::set<std::string>{"contiguous", "channels_last", "permuted"}));
  // Every rule but the embedding's, whose operator is drawn only when --ops names it.
  EXPECT_EQ(rules.size(), std::size(generators::kAllInvalidRules) - 1);
  EXPECT_FALSE(rules.count("embedding_dim_not_multiple_of_32"));
  EXPECT_EQ(dtypes, (std::set<std::string>{"FP32", "BF16"}));
  EXPECT_EQ(batched, (std::set<bool>{false, true})) << "both lowerings of rank >= 3 inputs";
  EXPECT_EQ(mx_reshape, (std::set<bool>{false, true}))
      << "linear: reshape before and after the cast";
}

// The conv2d generator reaches every part of the geometry the issue names, and every shape it
// makes is one the op allows (the model parser checks the exact output size).
// level_limits: every case sits exactly on a level-8K limit (and none beyond), each limit on
// both axes, and mxconf's own validation accepts it.
TEST(Generators, LevelLimitsCasesSitExactlyOnALimit) {
  GenConfig cfg;
  cfg.campaigns = {generators::Campaign::level_limits};
  std::set<std::string> reached;
  for (uint64_t i = 0; i < 200; ++i) {
    const Case c = generators::generate_case(cfg, 7, i);
    ASSERT_EQ(c.data.campaign, generators::Campaign::level_limits);
    const auto& g = std::get<pipeline::Conv2dGeom>(c.model.layers.at(0).geometry);
    bool at_limit = false;
    for (int axis = 0; axis < 2; ++axis) {
      const std::string a = axis == 0 ? "y" : "x";
      const int64_t extent = g.dilation[size_t(axis)] * g.kernel[size_t(axis)];
      EXPECT_LE(extent, 8192);
      EXPECT_LE(g.stride[size_t(axis)], 8192);
      if (extent == 8192) reached.insert("dilation*K " + a), at_limit = true;
      if (g.stride[size_t(axis)] == 8192) reached.insert("stride " + a), at_limit = true;
    }
    for (size_t p = 0; p < 4; ++p) {
      EXPECT_LE(g.pad[p], 8192);
      if (g.pad[p] == 8192) reached.insert("pad " + std::to_string(p)), at_limit = true;
    }
    EXPECT_TRUE(at_limit) << generators::case_name(c);
    const pipeline::Graph lowered = pipeline::lower_model(c.model, "", c.lowering);
    EXPECT_TRUE(pipeline::validate_tosa(lowered, c.target.profile).empty())
        << generators::case_name(c);
  }
  EXPECT_EQ(reached, (std::set<std::string>{"dilation*K x", "dilation*K y", "stride x", "stride y",
                                            "pad 0", "pad 2"}));
}

TEST(Generators, ConvCasesCoverTheGeometry) {
  GenConfig cfg;
  cfg.ops = {pipeline::LayerKind::conv2d};
  std::set<int64_t> kernels, strides, dilations, pads, batches, out_channels;
  std::set<bool> asymmetric, square, folded, one_pixel;
  std::set<std::string> layouts, campaigns;
  int64_t max_ic = 0;
  for (uint64_t i = 0; i < 3000; ++i) {
    const Case c = generators::generate_case(cfg, 2026, i);
    ASSERT_EQ(generators::op_of(c), pipeline::LayerKind::conv2d);
    ASSERT_NO_THROW(pipeline::parse_model(pipeline::to_json(c.model))) << generators::case_name(c);
    const auto& in = c.model.input.shape;
    batches.insert(in[0]);
    max_ic = std::max(max_ic, in[1]);
    square.insert(in[2] == in[3]);
    one_pixel.insert(in[2] == 1 || in[3] == 1);
    folded.insert(c.lowering.fold_transposes);
    campaigns.insert(std::string(generators::name(c.data.campaign)));
    const auto& o = c.model.input.dim_order;
    layouts.insert(o.empty()                               ? "contiguous"
                   : o == std::vector<int64_t>{0, 2, 3, 1} ? "channels_last"
                                                           : "other");
    for (const auto& l : c.model.layers) {
      const auto& g = std::get<pipeline::Conv2dGeom>(l.geometry);
      kernels.insert(g.kernel[0]);
      kernels.insert(g.kernel[1]);
      strides.insert(g.stride[0]);
      dilations.insert(g.dilation[1]);
      pads.insert(g.pad[0]);
      asymmetric.insert(!g.symmetric);
      EXPECT_EQ(l.in_width() % 32, 0);
    }
    out_channels.insert(c.model.layers.back().out_width());
  }
  EXPECT_EQ(kernels, (std::set<int64_t>{1, 2, 3, 4, 5, 6, 7}));
  // 1-3, and the level_limits campaign's values at MAX_STRIDE / MAX_KERNEL (8192 = dilation * K).
  EXPECT_EQ(strides, (std::set<int64_t>{1, 2, 3, 8192}));
  EXPECT_EQ(dilations, (std::set<int64_t>{1, 2, 3, 2048, 4096, 8192}));
  for (int64_t p : {0, 1, 2, 3, 4}) EXPECT_TRUE(pads.count(p)) << p;  // > 3: padding_heavy
  EXPECT_EQ(batches, (std::set<int64_t>{1, 2}));
  EXPECT_EQ(asymmetric, (std::set<bool>{false, true}));
  EXPECT_EQ(square, (std::set<bool>{false, true}));
  EXPECT_EQ(one_pixel, (std::set<bool>{false, true}));
  EXPECT_EQ(folded, (std::set<bool>{false, true}));
  EXPECT_EQ(layouts.size(), 3u);
  EXPECT_EQ(max_ic, 256);
  EXPECT_TRUE(out_channels.count(1) && out_channels.count(64));
  EXPECT_EQ(campaigns.size(), std::size(generators::kAllCampaigns));
}

// The fp32 result DOT_PRODUCT judges, for a bf16 output in channels_last order: mxconf casts
// the logical tensor and then transposes it; ExecuTorch transposes and then casts (its
// dim-order copy). The judge reads the same logical values from either graph. (It once took the
// CAST's input as logical, and a bit-exact ExecuTorch conv failed tier (b).)
TEST(Observation, Fp32BeforeTheBf16CastIsLogicalWhereverTheCastSits) {
  const pipeline::ModelSpec m = pipeline::parse_model(nlohmann::json::parse(R"({
    "mxconf_model": 1, "input": {"shape": [1, 32, 2, 3]},
    "layers": [{"type": "conv2d", "in_channels": 32, "out_channels": 5, "kernel": 1,
                "payload": "fp8e4m3", "weights": {"seed": 2}}],
    "output": {"dtype": "bf16", "dim_order": [0, 2, 3, 1]}})"));
  const pipeline::Graph cast_first = pipeline::lower_model(m);
  // The same graph with the trailing CAST and TRANSPOSE swapped, as ExecuTorch orders them.
  pipeline::Graph transpose_first = cast_first;
  auto& ops = transpose_first.ops;
  ASSERT_GE(ops.size(), 2u);
  pipeline::Operator& cast = ops[ops.size() - 2];
  pipeline::Operator& tr = ops.back();
  ASSERT_EQ(cast.op, pipeline::OpKind::cast);
  ASSERT_EQ(tr.op, pipeline::OpKind::transpose);
  const std::string fp32_logical = cast.inputs[0], bf16_logical = cast.outputs[0];
  const std::string out = tr.outputs[0];
  pipeline::Tensor& mid = *transpose_first.find(bf16_logical);
  mid.dtype = pipeline::DType::fp32;
  mid.shape = transpose_first.find(out)->shape;  // now the fp32 NHWC tensor
  tr.inputs = {fp32_logical};
  tr.outputs = {bf16_logical};
  cast.inputs = {bf16_logical};
  cast.outputs = {out};
  std::swap(cast, tr);
  std::vector<float> x(32 * 2 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 13) - 6) * 0.3f;
  runner::Observation a, b;
  runner::execute_graph(m, x, formats::ScaleRule::tosa, cast_first, a);
  runner::execute_graph(m, x, formats::ScaleRule::tosa, transpose_first, b);
  ASSERT_EQ(a.output_fp32.size(), size_t(5 * 2 * 3));
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output_fp32, b.output_fp32);
  for (size_t i = 0; i < a.output.size(); ++i)
    EXPECT_EQ(a.output[i], oracles::round_to_bf16(a.output_fp32[i])) << i << ": logical order";
}

TEST(InvalidGenerator, BreaksExactlyOneRule) {
  GenConfig cfg;
  size_t checked = 0, applicable = 0;
  std::set<std::string> kinds;
  for (uint64_t i = 0; i < 60; ++i) {
    const Case base = generators::generate_case(cfg, 9, i);
    ASSERT_FALSE(run_reference(base).rejection.has_value());
    for (generators::InvalidRule rule : generators::kAllInvalidRules) {
      if (!generators::applies_to(rule, base.model.layers.front().kind())) continue;
      ++applicable;
      kinds.insert(std::string(pipeline::name(generators::op_of(base))));
      Case c = base;
      c.expect = {rule, generators::expected_code(rule)};
      const runner::CaseResult r = run_reference(c);
      ASSERT_EQ(r.verdict, mxconf::Verdict::rejected_as_expected)
          << generators::name(rule) << ": " << r.message;
      for (const auto& code : (*r.rejection)["reported"]) {
        EXPECT_EQ(code.get<std::string>(), c.expect.code)
            << generators::name(rule) << " broke another rule too";
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, applicable);
  EXPECT_EQ(kinds, (std::set<std::string>{"MXFP_LINEAR", "MXFP_CONV2D"}));
}

// The main property: every valid generated case passes every tier.
RC_GTEST_PROP(Conformance, ValidCasesPassEveryTier, ()) {
  GenConfig cfg;
  cfg.max_k_blocks = 32;  // keeps the CI budget small; nightly runs use the full 8192
  const Case c = *generators::gen_valid_case(cfg);
  const runner::CaseResult r = run_reference(c);
  RC_ASSERT(r.verdict == mxconf::Verdict::pass);
}

std::vector<nlohmann::json> read_results(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    j.erase("seconds");  // wall time differs between runs, and so does the run directory that
    if (j.contains("minimal")) j["minimal"].erase("replay");  // a replay command names
    out.push_back(j);
  }
  return out;
}

SmallRun small_run(const fs::path& dir) {
  return test::small_run_options(dir, 60, 5, 8);
}

fs::path scratch(const std::string& name) {
  return test::scratch_dir("runner_" + name);
}

TEST(RunLoop, ShardsTogetherEqualTheUnshardedRun) {
  const fs::path all = scratch("all");
  run_small(small_run(all));
  const auto whole = read_results(all / "results.jsonl");
  ASSERT_EQ(whole.size(), 60u);
  std::map<uint64_t, nlohmann::json> merged;
  const auto dirs = test::run_shards(small_run(all), 3, "runner_shard");
  for (uint32_t s = 0; s < 3; ++s) {
    for (const auto& r : read_results(dirs[s] / "results.jsonl")) {
      EXPECT_EQ(r["index"].get<uint64_t>() % 3, s);
      EXPECT_TRUE(merged.emplace(r["index"].get<uint64_t>(), r).second) << "shards overlap";
    }
  }
  ASSERT_EQ(merged.size(), whole.size());
  for (const auto& r : whole) EXPECT_EQ(merged.at(r["index"].get<uint64_t>()), r);
}

TEST(RunLoop, JobsDoNotChangeResults) {
  const fs::path one = scratch("jobs1"), two = scratch("jobs2");
  run_small(small_run(one));
  SmallRun o = small_run(two);
  o.options.jobs = 2;
  run_small(o);
  EXPECT_EQ(read_results(one / "results.jsonl"), read_results(two / "results.jsonl"));
}

// What a kill leaves in `killed`: run.json and the first `lines` result lines of `full` (each
// passed through `edit`), then, if `half_line`, half of the next one.
void copy_killed_run(const fs::path& full, const fs::path& killed, int lines, bool half_line,
                     const std::function<void(int, nlohmann::json&)>& edit = {}) {
  fs::create_directories(killed);
  fs::copy_file(full / "run.json", killed / "run.json");
  std::ifstream in(full / "results.jsonl");
  std::ofstream out(killed / "results.jsonl");
  std::string line;
  for (int i = 0; i < lines && std::getline(in, line); ++i) {
    if (edit) {
      nlohmann::json j = nlohmann::json::parse(line);
      edit(i, j);
      line = j.dump();
    }
    out << line << '\n';
  }
  if (half_line && std::getline(in, line)) out << line.substr(0, line.size() / 2);
}

TEST(RunLoop, ResumeAfterAKillGivesTheSameResults) {
  const fs::path full = scratch("full"), killed = scratch("killed");
  run_small(small_run(full));
  copy_killed_run(full, killed, 23, /*half_line=*/true);
  SmallRun o = small_run(killed);
  o.options.resume = true;
  const runner::RunSummary s = run_small(o);
  EXPECT_EQ(s.json["cases_this_session"].get<uint64_t>(), 60u - 23u);
  EXPECT_EQ(read_results(killed / "results.jsonl"), read_results(full / "results.jsonl"));
  // The summary counts the whole file, not only the resumed session.
  std::ifstream full_summary(full / "summary.json");
  EXPECT_EQ(s.json["counts"], nlohmann::json::parse(full_summary)["counts"]);
  EXPECT_EQ(s.json["cases_done"].get<uint64_t>(), 60u);
  // A results file from another run is not resumed into.
  SmallRun other = small_run(killed);
  other.seed = 6;
  other.options.resume = true;
  EXPECT_THROW(run_small(other), std::runtime_error);
}

TEST(RunLoop, ResumedSummaryListsFailuresFromEarlierSessions) {
  const fs::path full = scratch("full_f"), killed = scratch("killed_f");
  run_small(small_run(full));
  copy_killed_run(full, killed, 10, /*half_line=*/false, [](int i, nlohmann::json& j) {
    if (i != 4) return;  // as if an earlier session had found a failure here
    j["verdict"] = "fail";
    j["tier"] = "a_bit_exact";
    j["minimal"] = {{"fingerprint", "00000000000000aa"}, {"replay", "mxconf replay min.json"}};
  });
  SmallRun o = small_run(killed);
  o.options.resume = true;
  const runner::RunSummary s = run_small(o);
  EXPECT_FALSE(s.all_good);
  EXPECT_EQ(s.json["counts"].value("fail", 0), 1);
  ASSERT_EQ(s.json["failures"].size(), 1u);
  EXPECT_EQ(s.json["failures"][0]["index"].get<uint64_t>(), 4u);
  EXPECT_EQ(s.json["failures"][0]["fingerprint"], "00000000000000aa");
  EXPECT_EQ(s.json["failures"][0]["replay"], "mxconf replay min.json");
}

TEST(RunLoop, RefusesToOverwriteAnExistingRun) {
  const fs::path d = scratch("twice");
  run_small(small_run(d));
  EXPECT_THROW(run_small(small_run(d)), std::runtime_error);
}

// What fuzz_pipeline writes: the input bit for bit (campaign `fixed`) and fp32_bits weights with
// NaN, Inf and a subnormal. It reads back as the same case and replays.
TEST(CaseModel, FixedDataCaseRoundTripsAndReplays) {
  Case c = generators::generate_case({}, 1, 0);
  ASSERT_TRUE(c.expect.valid());
  c.model.input.shape = {2, 32};
  c.model.input.dim_order.clear();
  c.model.input.dtype = c.model.output.dtype = pipeline::DType::fp32;
  c.model.output.dim_order.clear();
  c.model.layers.resize(1);
  pipeline::LayerSpec& l = c.model.layers[0];
  l.geometry = pipeline::LinearGeom{32, 2};
  l.bias = true;
  l.weights = {};
  l.weights.kind = pipeline::ValueSource::Kind::bits;
  for (uint32_t i = 0; i < 64; ++i)
    l.weights.values.push_back(std::bit_cast<float>(0x3F800000u + i));
  l.weights.values[5] = std::bit_cast<float>(0x7FC00001u);   // NaN with a payload
  l.weights.values[40] = std::bit_cast<float>(0xFF800000u);  // -Inf
  pipeline::ValueSource bias;
  bias.kind = pipeline::ValueSource::Kind::bits;
  bias.values = {std::bit_cast<float>(0x00000001u), -0.0f};  // a subnormal and -0
  l.bias_values = bias;
  c.data = {generators::Campaign::fixed, 0, nlohmann::json::object(), {}};
  for (uint32_t i = 0; i < 64; ++i) c.data.input_bits.push_back(0x3E000000u + i * 0x10000u);
  const std::string text = generators::to_json(c).dump();
  const Case back = generators::case_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(generators::to_json(back).dump(), text);
  EXPECT_EQ(generators::fingerprint(back), generators::fingerprint(c));
  EXPECT_EQ(std::bit_cast<uint32_t>(back.model.layers[0].weights.values[5]), 0x7FC00001u);
  // The NaN weight makes a NaN scale for its block: both sides must agree bit for bit.
  const runner::CaseResult r = run_reference(back);
  EXPECT_EQ(r.verdict, mxconf::Verdict::pass) << r.to_json().dump();
  // A fixed input of the wrong length is an error at stage generate, not a crash.
  Case short_input = back;
  short_input.data.input_bits.pop_back();
  const runner::CaseResult bad = run_reference(short_input);
  EXPECT_EQ(bad.verdict, mxconf::Verdict::error);
  EXPECT_EQ(bad.error_stage, mxconf::stage::generate);
}

TEST(Vocabulary, EveryNameParsesBackToItsValue) {
  for (mxconf::Verdict v : mxconf::kAllVerdicts)
    EXPECT_EQ(mxconf::parse_verdict(mxconf::name(v)), v);
  for (mxconf::Tier t : mxconf::kAllTiers) EXPECT_EQ(mxconf::parse_tier(mxconf::name(t)), t);
  for (mxconf::Step step : {mxconf::Step::generate, mxconf::Step::lower, mxconf::Step::validate,
                            mxconf::Step::serialize, mxconf::Step::load, mxconf::Step::execute,
                            mxconf::Step::read, mxconf::Step::judge})
    for (mxconf::Actor actor : {mxconf::Actor::mxconf, mxconf::Actor::sut}) {
      const mxconf::Stage s{step, actor};
      EXPECT_EQ(mxconf::parse_stage(mxconf::name(s)), s) << mxconf::name(s);
    }
  EXPECT_EQ(mxconf::name(mxconf::stage::sut_exec), "sut-exec");
  EXPECT_EQ(mxconf::name(mxconf::stage::sut_lower), "sut-lower");
  // Names written before stages had an actor still read as what they meant.
  EXPECT_EQ(mxconf::parse_stage("result"), mxconf::stage::sut_result);
  EXPECT_EQ(mxconf::parse_stage("package"), mxconf::stage::read_package);
  EXPECT_EQ(mxconf::name(mxconf::Verdict::rejected_as_expected), "rejected-as-expected");
  EXPECT_EQ(mxconf::record_key(mxconf::Tier::b), "b_compliance");
  EXPECT_FALSE(mxconf::parse_verdict("passed").has_value());
}

TEST(CaseModel, TheDefaultTargetIsWhatItsTextSays) {
  const pipeline::Target t;
  EXPECT_EQ(pipeline::Target::parse(t.text), t);
  EXPECT_EQ(pipeline::Target::parse("TOSA-1.1+FP+mxfp+bf16").extensions,
            (std::vector<std::string>{"mxfp", "bf16"}));
}

TEST(Shrinking, ReducesTowardTheSmallestFailingCase) {
  // A synthetic failure predicate: "K >= 64 and a bias" fails; the minimum keeps exactly that.
  GenConfig cfg;
  Case big;
  uint64_t index = 0;
  for (;; ++index) {
    big = generators::generate_case(cfg, 3, index);
    if (big.model.layers[0].in_width() >= 128 && big.model.input.shape.size() >= 3 &&
        big.model.layers[0].bias)
      break;
  }
  auto fails = [](const Case& c) {
    return c.model.layers[0].in_width() >= 64 && c.model.layers[0].bias;
  };
  const Case small = runner::shrink_case(big, &cfg, 3, index, fails, 10);
  EXPECT_TRUE(fails(small));
  EXPECT_EQ(small.model.layers[0].in_width(), 64);
  EXPECT_EQ(small.model.layers.size(), 1u);
  EXPECT_EQ(small.model.input.shape.size(), 1u);
  EXPECT_EQ(small.model.layers.back().out_width(), 1);
}

// corpus/regressions: cases mxconf's own pipeline once got wrong. corpus/findings: the smallest
// cases on which an external system fails (docs/findings.md); mxconf must pass them, or the
// finding was never the other system's fault.
TEST(Regressions, EveryCaseInTheCorpusPasses) {
  for (const char* dir : {MXCONF_REGRESSIONS_DIR, MXCONF_FINDINGS_DIR}) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      const Case c = generators::load_case_file(e.path().string());
      const runner::CaseResult r = run_reference(c);
      EXPECT_TRUE(mxconf::is_good(r.verdict))
          << e.path() << ": " << mxconf::name(r.verdict) << " " << r.message;
      if (c.expect.valid()) {
        EXPECT_EQ(r.level, mxconf::Level::bit_exact) << e.path();
      }
      ++n;
    }
    EXPECT_GE(n, 2u) << dir;
  }
}

}  // namespace
}  // namespace mxconf::test

namespace mxconf::test {
namespace {

// The first ```json block of docs/model-format.md: the fp8e4m3 -> fp4e2m1 example a new user
// tries first.
nlohmann::json docs_example_model() {
  std::ifstream in(MXCONF_DOCS_DIR "/model-format.md");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t open = text.find("```json\n");
  const size_t close = text.find("```", open + 8);
  EXPECT_NE(open, std::string::npos);
  return nlohmann::json::parse(text.substr(open + 8, close - open - 8));
}

// Issue 20's bug: tier (b)'s cast check read layer 0's payload for every layer, so a model whose
// layers use different payloads failed on every system ("layer 1 block 0: scale byte 125 outside
// 1 ulp of reference byte 119"). Each layer's cast is judged with its own payload, in every tier.
TEST(MixedPayloads, TheDocsExampleWithTwoPayloadsPassesEveryTier) {
  nlohmann::json model = docs_example_model();
  ASSERT_EQ(model["layers"][0]["payload"], "fp8e4m3");
  ASSERT_EQ(model["layers"][1]["payload"], "fp4e2m1");
  model["layers"][1]["weights"] = {{"seed", 2}};  // the example's w1.npy, seeded here
  for (const char* campaign : {"uniform", "normal", "rule_cutoffs"}) {
    generators::Case c;
    c.model = pipeline::parse_model(model);
    c.data.campaign = *generators::parse_campaign(campaign);
    c.data.seed = 7;
    c.target.profile = pipeline::Target::parse(pipeline::default_target_text(c.model));
    const runner::CaseResult r = run_reference(c);
    EXPECT_EQ(r.verdict, mxconf::Verdict::pass) << campaign << ": " << r.to_json().dump();
    EXPECT_EQ(r.level, mxconf::Level::bit_exact) << campaign;
    const nlohmann::json j = r.to_json();
    EXPECT_EQ(j["tiers"]["b_compliance"]["cast_failures"], 0) << campaign << ": " << j.dump();
    EXPECT_EQ(j["facets"]["payload"], "fp8e4m3-fp4e2m1");
    EXPECT_NE(r.name.find("_fp8e4m3-fp4e2m1_"), std::string::npos) << r.name;
    // Tier (d) names the rule of every layer's casts, each with its own payload.
    EXPECT_FALSE(j["tiers"]["d_scale_rules"].empty()) << j.dump();
  }
}

// The same layers with one payload each way: the oracle's casts differ per layer exactly as the
// payloads do, so a judge that took layer 0's payload for layer 1 would have to disagree.
TEST(MixedPayloads, EachLayersCastIsJudgedWithItsOwnPayload) {
  nlohmann::json model = docs_example_model();
  model["layers"][1]["weights"] = {{"seed", 2}};
  generators::Case c;
  c.model = pipeline::parse_model(model);
  c.data.campaign = generators::Campaign::normal;
  c.data.seed = 3;
  const runner::PreparedCase p = runner::prepare_case(c);
  const runner::OracleExpectation mixed = runner::oracle_expectation(p, formats::ScaleRule::tosa);
  generators::Case same = c;
  same.model.layers[1].payload = formats::ElementType::fp8e4m3;
  const runner::OracleExpectation one =
      runner::oracle_expectation(runner::prepare_case(same), formats::ScaleRule::tosa);
  ASSERT_EQ(mixed.layers.size(), 2u);
  EXPECT_EQ(mixed.layers[0].x_codes, one.layers[0].x_codes);  // layer 0 is fp8e4m3 either way
  EXPECT_NE(mixed.layers[1].x_scales, one.layers[1].x_scales)
      << "fp4e2m1 (max 6) and fp8e4m3 (max 448) give the same blocks other scales";
}

}  // namespace
}  // namespace mxconf::test

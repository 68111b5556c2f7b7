// External systems under test (run --sut-exec / --sut-lower) against fake programs built in the
// test tree (tests/fake_sut/): each fake is right or wrong in one known way, and each must get
// its verdict and blame stage.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <set>

#include "mxconf/faults/faults.h"
#include "mxconf/generators/campaigns.h"
#include "mxconf/generators/case_gen.h"
#include "mxconf/runner/case_source.h"
#include "mxconf/runner/external_sut.h"
#include "mxconf/runner/tensor_files.h"
#include "support/npy_bytes.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

struct Outcome {
  std::vector<nlohmann::json> results;
  std::map<std::string, int> verdicts;  // verdict -> count
  double seconds = 0;
  int count(const std::string& v) const {
    const auto it = verdicts.find(v);
    return it == verdicts.end() ? 0 : it->second;
  }
};

std::unique_ptr<runner::SystemUnderTest> fake(const std::string& exec_mode,
                                              const std::string& lower_mode,
                                              const std::filesystem::path& dir, double timeout = 30,
                                              bool worker = false, size_t restarts = 32,
                                              size_t keep_failures = 20) {
  runner::ExternalSutOptions s;
  s.worker = worker;
  s.worker_restarts = restarts;
  s.keep_failures = keep_failures;
  s.worker_startup_seconds = timeout < 1 ? 0 : 5;  // a hanging fake must not get 5 s more
  const std::string bin = MXCONF_FAKE_SUT;
  if (!exec_mode.empty())
    s.exec = runner::CommandTemplate(bin + " exec " + exec_mode + " {tosa} {inputs} {outdir}",
                                     runner::kExecPlaceholders);
  if (!lower_mode.empty())
    s.lower = runner::CommandTemplate(bin + " lower " + lower_mode + " {case} {out_tosa}",
                                      runner::kLowerPlaceholders);
  s.timeout_seconds = timeout;
  s.work_root = (dir / "sut").string();
  return runner::make_sut(s);
}

Outcome run_against(const std::unique_ptr<runner::SystemUnderTest>& sut, const std::string& name,
                    uint64_t cases, double invalid_fraction = 0.0,
                    std::vector<generators::Campaign> campaigns = {},
                    mxconf::Level require = mxconf::Level::compliant, bool shrink = false) {
  const auto dir = scratch_dir("external_" + name);
  SmallRun o = small_run_options(dir, cases, 20261129, 4);
  o.gen.invalid_fraction = invalid_fraction;
  o.gen.campaigns = std::move(campaigns);
  o.options.jobs = 2;
  o.options.judge.require = require;
  o.options.shrink = shrink;
  const auto start = std::chrono::steady_clock::now();
  run_small(o, sut.get());
  Outcome out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(dir / "results.jsonl");
  for (std::string line; std::getline(in, line);) {
    out.results.push_back(nlohmann::json::parse(line));
    ++out.verdicts[out.results.back()["verdict"].get<std::string>()];
  }
  EXPECT_EQ(out.results.size(), cases);
  return out;
}

std::filesystem::path scratch_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("mxconf_" + name);
}

bool valid(const nlohmann::json& r) {
  return r["facets"]["valid"].get<bool>();
}

TEST(ExternalExec, CorrectRuntimePassesAndRejectsBrokenGraphs) {
  const auto dir = scratch_dir("external_exec_correct_sut");
  const auto sut = fake("correct", "", dir);
  const Outcome o = run_against(sut, "exec_correct", 24, 0.25);
  for (const auto& r : o.results) {
    EXPECT_TRUE(r["verdict"] == "pass" || r["verdict"] == "rejected-as-expected") << r.dump();
    if (valid(r)) {
      EXPECT_EQ(r["tiers"]["a_bit_exact"]["casts_observed"], false);
      EXPECT_FALSE(r["tiers"].contains("d_scale_rules"));  // not observable from outside
    }
  }
  EXPECT_GT(o.count("pass"), 0);
  EXPECT_GT(o.count("rejected-as-expected"), 0);
  // Work directories of good cases are removed.
  EXPECT_TRUE(!std::filesystem::exists(dir / "sut") || std::filesystem::is_empty(dir / "sut"));
}

TEST(ExternalExec, HalfAwayRoundingFailsBitExactness) {
  if (!faults::compiled_in()) GTEST_SKIP() << "needs MXCONF_FAULT_INJECTION (the seeded bug)";
  const auto dir = scratch_dir("external_exec_half_away_sut");
  const auto sut = fake("half-away", "", dir);
  const Outcome o = run_against(sut, "exec_half_away", 16, 0.0, {generators::Campaign::exact_ties},
                                mxconf::Level::bit_exact);
  int tier_a = 0;
  for (const auto& r : o.results) {
    EXPECT_NE(r["verdict"], "error") << r.dump();
    if (r["verdict"] == "fail") tier_a += r["tier"] == "a";
  }
  EXPECT_GT(tier_a, 0) << "ties rounded away from zero must differ from the oracle somewhere";
}

TEST(ExternalExec, WrongShapeIsAFailure) {
  const auto dir = scratch_dir("external_exec_wrong_shape_sut");
  const auto sut = fake("wrong-shape", "", dir);
  const Outcome o = run_against(sut, "exec_wrong_shape", 8);
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "fail") << r.dump();
    EXPECT_EQ(r["tier"], "a");
    EXPECT_NE(r["message"].get<std::string>().find("shape"), std::string::npos) << r.dump();
  }
}

// Failing cases keep their work directories as evidence up to --sut-keep-failures; later ones
// are removed, and their result says why.
TEST(ExternalExec, FailuresKeepABoundedNumberOfWorkDirectories) {
  const auto dir = scratch_dir("external_exec_keep_bound");
  const Outcome o = run_against(fake("wrong-shape", "", dir, 30, false, 32, 3), "exec_keep", 8);
  ASSERT_EQ(o.count("fail"), 8);
  size_t dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "sut")) dirs += e.is_directory();
  EXPECT_EQ(dirs, 3u);
  int removed = 0;
  for (const auto& r : o.results) {
    const nlohmann::json& sut = r["tiers"]["sut"];
    if (!sut.contains("work_dir_removed")) {
      EXPECT_TRUE(std::filesystem::exists(sut["work_dir"].get<std::string>())) << r.dump();
      continue;
    }
    ++removed;
    EXPECT_EQ(sut["work_dir_removed"],
              "3 failing cases' work directories are kept already (--sut-keep-failures)");
    EXPECT_FALSE(std::filesystem::exists(sut["work_dir"].get<std::string>()));
  }
  EXPECT_EQ(removed, 5);
}

// A result file of 1 GiB (sparse) whose header has the wrong shape is judged from its header:
// a shape error, and the process does not grow by the file's size.
TEST(ExternalExec, AHugeResultWithTheWrongShapeIsJudgedFromItsHeader) {
  const auto dir = scratch_dir("external_exec_huge_result");
  const generators::Case c = runner::GeneratedCases({}, 3, 1).at(0);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "huge.npy").string();
  const auto header =
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }", 0);
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(header.data()), std::streamsize(header.size()));
  std::filesystem::resize_file(file, header.size() + (size_t(1) << 30));
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  runner::Observation obs;
  runner::read_result_npy(file, c.model, obs);
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_NE(obs.shape_error.find("[268435456]"), std::string::npos) << obs.shape_error;
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "KiB: the values were read";
}

TEST(ExternalExec, MalformedResultIsAnError) {
  const auto dir = scratch_dir("external_exec_garbage_sut");
  const auto sut = fake("garbage", "", dir);
  const Outcome o = run_against(sut, "exec_garbage", 6);
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "error") << r.dump();
    EXPECT_EQ(r["stage"], "sut-exec");
    EXPECT_NE(r["message"].get<std::string>().find("its result"), std::string::npos);
  }
}

TEST(ExternalExec, CrashIsAnErrorWithSignalAndStderr) {
  const auto dir = scratch_dir("external_exec_crash_sut");
  const auto sut = fake("crash", "", dir);
  const Outcome o = run_against(sut, "exec_crash", 6);
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "error") << r.dump();
    EXPECT_EQ(r["stage"], "sut-exec");
    const auto& e = r["tiers"]["sut"]["sut_exec"];
    EXPECT_EQ(e["signal"], SIGABRT) << e.dump();
    EXPECT_NE(e["stderr"].get<std::string>().find("crashing on purpose"), std::string::npos);
    EXPECT_NE(r["message"].get<std::string>().find("SIGABRT"), std::string::npos) << r.dump();
  }
  // A failing case keeps its work directory for a post-mortem.
  EXPECT_FALSE(std::filesystem::is_empty(dir / "sut"));
}

TEST(ExternalExec, HangIsKilledAtTheTimeout) {
  const auto dir = scratch_dir("external_exec_hang_sut");
  const auto sut = fake("hang", "", dir, 0.5);
  const Outcome o = run_against(sut, "exec_hang", 4);
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "error") << r.dump();
    EXPECT_EQ(r["stage"], "sut-exec");
    EXPECT_EQ(r["tiers"]["sut"]["sut_exec"]["timed_out"], true);
    EXPECT_NE(r["message"].get<std::string>().find("timed out"), std::string::npos);
  }
  EXPECT_LT(o.seconds, 20.0);  // four 0.5 s timeouts on two workers, not a hang
}

TEST(ExternalLower, CorrectLoweringPassesWithTheSameStructure) {
  const auto dir = scratch_dir("external_lower_correct_sut");
  const auto sut = fake("", "correct", dir);
  const Outcome o = run_against(sut, "lower_correct", 16);
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "pass") << r.dump();
    // mxconf's interpreter runs the external graph, so casts stay observable.
    EXPECT_TRUE(r["tiers"].contains("d_scale_rules"));
  }
  // Tier (s) judged the external graph: valid, and built as mxconf builds it.
  int same = 0;
  for (const auto& r : o.results) {
    if (!r["tiers"].contains("s_graph")) continue;  // ERROR_IF cases
    EXPECT_EQ(r["tiers"]["s_graph"]["validation"].size(), 0u) << r.dump();
    same += r["tiers"]["s_graph"]["structure"]["same"].get<bool>();
  }
  EXPECT_GT(same, 0);
}

TEST(ExternalLower, StructuralDifferencesAreReportedNotFatal) {
  const auto dir = scratch_dir("external_lower_batched_sut");
  const auto sut = fake("", "batched", dir);
  // A rank-3 input: the fake keeps [2, 3] as the MATMUL batch where the reference lowering
  // flattens it to [1, 6]. The numbers are the same; the graphs are not.
  generators::GenConfig cfg;
  generators::Case c = generators::generate_case(cfg, 20261129, 3);
  ASSERT_TRUE(c.expect.valid());
  const int64_t k = c.model.input.shape.back();
  c.model.input.shape = {2, 3, k};
  c.model.input.dim_order.clear();
  c.model.output.dim_order.clear();
  c.lowering.batched_matmul = false;
  const runner::CaseResult r = runner::run_case(c, *sut);
  EXPECT_EQ(r.verdict, mxconf::Verdict::pass) << r.to_json().dump();
  const nlohmann::json j = r.to_json();
  ASSERT_TRUE(j["tiers"].contains("s_graph")) << j.dump();
  const auto& s = j["tiers"]["s_graph"]["structure"];
  EXPECT_EQ(s["same"], false) << s.dump();
  EXPECT_FALSE(s["differences"].empty());
}

TEST(ExternalLower, InvalidCrashingAndHangingLoweringsAreBlamed) {
  const auto dir = scratch_dir("external_lower_bad_sut");
  struct Mode {
    const char* mode;
    const char* verdict;
    const char* where;  // the tier that failed, or the stage that broke
    const char* message;
  };
  // A graph that breaks a TOSA rule is judged by tier (s), as any system's graph is; a lowering
  // that crashes or hangs never produced one.
  for (const Mode m : {Mode{"invalid", "fail", "s", "breaks a TOSA rule"},
                       Mode{"crash", "error", "sut-lower", "SIGABRT"},
                       Mode{"hang", "error", "sut-lower", "timed out"}}) {
    const auto sut = fake("", m.mode, dir / m.mode, 0.5);
    const Outcome o = run_against(sut, std::string("lower_") + m.mode, 3);
    for (const auto& r : o.results) {
      if (r["facets"]["valid"] == false) continue;  // ERROR_IF cases: the lowering is not run
      EXPECT_EQ(r["verdict"], m.verdict) << m.mode << " " << r.dump();
      EXPECT_EQ(r[r["verdict"] == "fail" ? "tier" : "stage"], m.where) << m.mode;
      EXPECT_NE(r["message"].get<std::string>().find(m.message), std::string::npos)
          << m.mode << " " << r.dump();
    }
  }
}

// Worker mode: one process per job serves every case; the verdicts are those of one-shot mode.
TEST(ExternalWorker, ServesEveryCaseWithTheOneShotVerdicts) {
  const auto dir = scratch_dir("external_worker_correct_sut");
  const Outcome one_shot = run_against(fake("correct", "", dir / "a"), "worker_a", 24, 0.25);
  const Outcome workers =
      run_against(fake("correct", "", dir / "b", 30, true), "worker_b", 24, 0.25);
  ASSERT_EQ(one_shot.results.size(), workers.results.size());
  for (size_t i = 0; i < workers.results.size(); ++i) {
    EXPECT_EQ(workers.results[i]["verdict"], one_shot.results[i]["verdict"]) << i;
    EXPECT_EQ(workers.results[i]["fingerprint"], one_shot.results[i]["fingerprint"]);
  }
  EXPECT_GT(workers.count("pass"), 0);
  EXPECT_GT(workers.count("rejected-as-expected"), 0);
}

// A fake worker in `mode` that ends every third case: those cases are errors at sut-exec whose
// message says how it ended (`words`), the cases between them still run. Returns the errors.
std::vector<nlohmann::json> expect_lost_workers_blamed(const std::string& mode,
                                                       const std::string& words) {
  const auto dir = scratch_dir("external_worker_" + mode);
  const Outcome o = run_against(fake(mode, "", dir, 30, true), "worker_" + mode, 18);
  EXPECT_GT(o.count("pass"), 0) << "the cases between the worker's ends still run";
  EXPECT_GT(o.count("error"), 0);
  std::vector<nlohmann::json> errors;
  for (const auto& r : o.results) {
    if (r["verdict"] != "error") continue;
    EXPECT_EQ(r["stage"], "sut-exec");
    EXPECT_NE(r["message"].get<std::string>().find(words), std::string::npos) << r.dump();
    errors.push_back(r);
  }
  return errors;
}

// A worker that dies is blamed for the case it was serving and replaced for the next one.
TEST(ExternalWorker, CrashedWorkersAreRestartedAndBlamed) {
  expect_lost_workers_blamed("crash-every-third", "SIGABRT");
}

// A worker that ends cleanly without answering is reported as such, not as "exit code -1".
TEST(ExternalWorker, AWorkerThatExitsWithoutAnsweringIsNamed) {
  for (const auto& r :
       expect_lost_workers_blamed("exit-every-third", "exited with status 0 without answering"))
    EXPECT_EQ(r["message"].get<std::string>().find("-1"), std::string::npos) << r.dump();
}

// Two fresh workers (one per job) hang on their first case and are killed at the timeout; as no
// worker has ever answered, the pool gives up and the other cases are errors at once, saying
// why, instead of paying timeout + startup allowance each.
TEST(ExternalWorker, AHangingWorkerIsKilledAtTheTimeoutAndThePoolGivesUp) {
  const auto dir = scratch_dir("external_worker_hang_sut");
  const Outcome o = run_against(fake("hang", "", dir, 0.5, true), "worker_hang", 8);
  int timed_out = 0, gave_up = 0;
  for (const auto& r : o.results) {
    EXPECT_EQ(r["verdict"], "error");
    const std::string m = r["message"].get<std::string>();
    if (m.find("timed out after") != std::string::npos) ++timed_out;
    if (m.find("2 workers timed out on their first case and none has ever answered") !=
        std::string::npos)
      ++gave_up;
  }
  // Both first workers start together and time out together; on a loaded machine one job may
  // see its timeout and start one more fresh worker before the other's timeout makes the pool
  // give up. That worker hangs too, so 2 or 3 time out, never more.
  EXPECT_GE(timed_out, 2);
  EXPECT_LE(timed_out, 3);
  EXPECT_EQ(gave_up, 8 - timed_out);
  EXPECT_LT(o.seconds, 5.0) << "two 0.5 s timeouts, not eight";
}

// The restart budget: with --sut-restarts 2, a worker that crashes every third case is replaced
// twice; once a third is lost, every later case is an error naming the budget.
TEST(ExternalWorker, LostWorkersCountAgainstARestartBudget) {
  const auto dir = scratch_dir("external_worker_budget");
  const Outcome o =
      run_against(fake("crash-every-third", "", dir, 30, true, 2), "worker_budget", 30);
  int budget = 0, crashed = 0;
  for (const auto& r : o.results) {
    if (r["verdict"] != "error") continue;
    const std::string m = r["message"].get<std::string>();
    budget += m.find("more than the restart budget (2, --sut-restarts)") != std::string::npos;
    crashed += m.find("SIGABRT") != std::string::npos;
  }
  // The budget lets 2 lost workers be replaced; the 3rd ends the replacing, while a worker still
  // alive serves on (with 2 jobs, at most one more, which may be lost too). A worker lost in an
  // op-by-op request counts too, without making its case an error.
  EXPECT_LE(crashed, 2 + 2);
  EXPECT_GT(budget, 0);
  EXPECT_EQ(o.count("error"), crashed + budget);
}

// A worker that runs each request in a process of its own (sut/common/adapter.py's isolate)
// answers a crash with the signal: the case is an error blamed on that signal, as in one-shot
// mode, and no worker is lost, so even a budget of 0 restarts never runs out.
TEST(ExternalWorker, ACrashReportedByAnIsolatingWorkerCostsNoWorker) {
  const auto dir = scratch_dir("external_worker_isolating");
  const Outcome o =
      run_against(fake("signal-every-third", "", dir, 30, true, 0), "worker_isolating", 30);
  int crashed = 0;
  for (const auto& r : o.results) {
    if (r["verdict"] != "error") continue;
    const std::string m = r["message"].get<std::string>();
    EXPECT_EQ(m.find("restart budget"), std::string::npos) << m;
    EXPECT_NE(m.find("killed by signal 6 (SIGABRT); stderr: fake_sut: the request's process "
                     "aborted"),
              std::string::npos)
        << m;
    ++crashed;
  }
  EXPECT_GT(crashed, 0);
  EXPECT_EQ(o.count("error"), crashed);
  EXPECT_GT(o.count("pass"), 0);
}

TEST(ExternalSystems, UnsupportedIsItsOwnOutcome) {
  const auto dir = scratch_dir("external_unsupported_sut");
  for (const auto& [exec, lower] :
       {std::pair<std::string, std::string>{"unsupported", ""}, {"", "unsupported"}}) {
    const Outcome o = run_against(fake(exec, lower, dir / (exec + lower)),
                                  "unsupported_" + exec + lower, 6, exec.empty() ? 0.0 : 0.5);
    for (const auto& r : o.results) {
      // An invalid case may be rejected by mxconf's lowering before any runtime sees it.
      if (!r["facets"]["valid"].get<bool>() && r["verdict"] == "rejected-as-expected") continue;
      EXPECT_EQ(r["verdict"], "unsupported") << r.dump();
      EXPECT_NE(r["message"].get<std::string>().find("on purpose"), std::string::npos);
      EXPECT_NE(r["symptom"].get<std::string>().find("unsupported"), std::string::npos);
    }
  }
}

// A runtime one ulp off in one output of every third case: compliant, not bit-exact. Required
// bit-exact, every such case fails tier (a) with one symptom, shrunk once.
TEST(ExternalSystems, OneUlpOffIsCompliantAndOneSymptom) {
  const auto dir = scratch_dir("external_ulp_sut");
  // Finite data: the last bit of an Inf output would make a NaN (another symptom).
  const std::vector<generators::Campaign> finite = {generators::Campaign::uniform,
                                                    generators::Campaign::normal};
  const Outcome lenient =
      run_against(fake("ulp-one-in-three", "", dir / "c"), "ulp_c", 30, 0.0, finite);
  int compliant = 0;
  for (const auto& r : lenient.results) {
    EXPECT_EQ(r["verdict"], "pass") << r.dump();
    compliant += r.value("level", "") == "compliant";
  }
  EXPECT_GT(compliant, 3);
  EXPECT_LT(compliant, 20);
  const Outcome strict = run_against(fake("ulp-one-in-three", "", dir / "s"), "ulp_s", 30, 0.0,
                                     finite, mxconf::Level::bit_exact, /*shrink=*/true);
  std::set<std::string> symptoms;
  for (const auto& r : strict.results) {
    if (r["verdict"] == "pass") continue;
    EXPECT_EQ(r["verdict"], "fail");
    EXPECT_EQ(r["tier"], "a");
    symptoms.insert(r["symptom"].get<std::string>());
  }
  EXPECT_EQ(strict.count("fail"), compliant) << "the same cases, now failures";
  EXPECT_EQ(symptoms,
            (std::set<std::string>{"tier a: output off by <= 1 ulp in isolated elements"}));
  size_t shrunk = 0;
  for (const auto& f :
       std::filesystem::directory_iterator(scratch_path("external_ulp_s") / "failures"))
    shrunk += nlohmann::json::parse(std::ifstream(f.path()))["shrunk"].get<bool>();
  EXPECT_LE(shrunk, 1u) << "one representative per symptom is shrunk";
}

TEST(CommandTemplate, SplitsQuotesAndExpandsPlaceholders) {
  const runner::CommandTemplate t("run 'a b' --in={inputs} {inputs} \"{outdir}/x\"",
                                  runner::kExecPlaceholders);
  const auto argv = t.expand({{"inputs", {"i0", "i1"}}, {"outdir", {"/o"}}});
  EXPECT_EQ(argv, (std::vector<std::string>{"run", "a b", "--in=i0,i1", "i0", "i1", "/o/x"}));
  EXPECT_THROW(runner::CommandTemplate("run {nope}", runner::kExecPlaceholders),
               std::invalid_argument);
  EXPECT_THROW(runner::CommandTemplate("run 'open", runner::kExecPlaceholders),
               std::invalid_argument);
  EXPECT_THROW(runner::CommandTemplate("   ", runner::kExecPlaceholders), std::invalid_argument);
}

TEST(Subprocess, ReportsExitCodesAndMissingPrograms) {
  const auto dir = scratch_dir("subprocess_logs");
  const auto ok = runner::run_process({"sh", "-c", "echo hi >&2; exit 3"}, 10, dir.string());
  EXPECT_TRUE(ok.started);
  EXPECT_EQ(ok.exit_code, 3);
  EXPECT_FALSE(ok.ok());
  EXPECT_EQ(ok.stderr_tail, "hi\n");
  const auto missing = runner::run_process({"/nonexistent/sut"}, 10, dir.string());
  EXPECT_FALSE(missing.started);
  EXPECT_NE(missing.describe().find("/nonexistent/sut"), std::string::npos);
}

}  // namespace
}  // namespace mxconf::test

namespace mxconf::test {
namespace {

// A replay line judges as the run did: --require travels with the system's options.
TEST(SutOptions, TheRequiredLevelIsPartOfTheReplayOptions) {
  runner::ExternalSutOptions o;
  EXPECT_EQ(runner::make_sut(o)->cli_options(), "");
  o.require = mxconf::Level::compliant;
  EXPECT_EQ(runner::make_sut(o)->cli_options(), " --require compliant");
  o.exec = runner::CommandTemplate("prog {tosa} {inputs} {outdir}", runner::kExecPlaceholders);
  o.require = mxconf::Level::bit_exact;
  EXPECT_NE(runner::make_sut(o)->cli_options().find(" --require bit-exact"), std::string::npos);
}

}  // namespace
}  // namespace mxconf::test

namespace mxconf::test {
namespace {

struct Counted {
  int single = 0, single_bad = 0, multi = 0, multi_bad = 0;
};

Counted count_by_layers(const std::vector<nlohmann::json>& results) {
  Counted c;
  for (const auto& r : results) {
    if (r["facets"]["valid"] != true) continue;
    const bool bad = r["verdict"] == "fail" || r["verdict"] == "error";
    if (r["facets"]["layers"] == 1) {
      ++c.single;
      c.single_bad += bad;
    } else {
      ++c.multi;
      c.multi_bad += bad;
    }
  }
  return c;
}

// Soundness (issue 21): a runtime whose every operator meets its TOSA bound passes at compliant,
// multi-layer graphs included: fp64 accumulation rounded once, the blocks summed in reverse, and
// the first op's output moved by 0.9 of its own bound.
TEST(CompliantByConstruction, EveryCasePassesAtTheCompliantLevel) {
  for (const char* mode : {"fp64-accumulate", "reverse-blocks", "perturb-0.9"}) {
    const auto dir = scratch_dir(std::string("compliant_") + mode);
    const Outcome o = run_against(fake(mode, "", dir, 30, true), std::string("cbc_") + mode, 120);
    const Counted c = count_by_layers(o.results);
    EXPECT_GT(c.multi, 10) << mode;
    EXPECT_EQ(c.single_bad + c.multi_bad, 0) << mode;
    // Not vacuously: every op of every multi-layer case was run alone and judged.
    int judged = 0;
    for (const auto& r : o.results) {
      if (r["facets"]["valid"] != true || r["facets"]["layers"] == 1) continue;
      const auto& ops = r["tiers"]["b_compliance"]["op_by_op"];
      ASSERT_EQ(ops.size(), size_t(r["facets"]["layers"].get<int>())) << mode;
      for (const auto& op : ops) judged += op["judged"] == true && op["pass"] == true;
    }
    EXPECT_GT(judged, 2 * 10) << mode;
  }
}

// Op by op: an op moved by twice its own bound inside a multi-layer graph is caught in that op,
// and the reason names its layer (the whole graph's output interval is too wide to tell).
TEST(CompliantByConstruction, OpByOpCatchesTwiceTheBoundInMultiLayerCases) {
  const auto dir = scratch_dir("compliant_perturb_2");
  const Outcome o = run_against(fake("perturb-2", "", dir, 30, true), "cbc_perturb_2", 120);
  const Counted c = count_by_layers(o.results);
  ASSERT_GT(c.multi, 10);
  EXPECT_GT(double(c.multi_bad), 0.8 * c.multi);
  for (const auto& r : o.results) {
    if (r["facets"]["valid"] != true || r["facets"]["layers"] == 1 || r["verdict"] != "fail")
      continue;
    EXPECT_EQ(r["symptom"].get<std::string>().rfind("tier b: op by op, ", 0), 0u) << r.dump();
    EXPECT_NE(r["message"].get<std::string>().find("layer 0's "), std::string::npos) << r.dump();
  }
}

// Tightness: the same op moved by 16 times its bound is caught in one-layer cases (where the
// bound is DOT_PRODUCT's own) but for those whose bound overflows (no accuracy limit).
TEST(CompliantByConstruction, SixteenTimesTheBoundIsCaughtInOneLayerCases) {
  const auto dir = scratch_dir("compliant_perturb_16");
  const Outcome o = run_against(fake("perturb-16", "", dir, 30, true), "cbc_perturb_16", 120);
  const Counted c = count_by_layers(o.results);
  ASSERT_GT(c.single, 40);
  EXPECT_GT(double(c.single_bad), 0.8 * c.single);
}

}  // namespace
}  // namespace mxconf::test

// mxconf check DIR --results RESULTS: grade outputs another system produced for an exported
// package, with the tiers and verdicts of run and the reports of `mxconf report`.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>

#include "commands.h"
#include "enum_options.h"
#include "mxconf/reports/writers.h"
#include "mxconf/runner/package_format.h"
#include "mxconf/runner/result_files.h"
#include "mxconf/runner/run_loop.h"

namespace mxconf::cli {
namespace {

namespace fs = std::filesystem;

struct CheckCliOptions {
  std::string package, results, out = "out/check";
  unsigned jobs = 1;
  bool resume = false;
  mxconf::Level require = mxconf::Level::compliant;  // the results come from another system
};

int run_check(const CheckCliOptions& o) {
  const fs::path package(o.package), results(o.results);
  runner::PackageIndex index;
  try {
    index = runner::read_package_index(o.package);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (!fs::is_directory(results)) throw UsageError(o.results + " is not a directory");

  // Each test's case, or why it cannot be graded (an error at stage `package`).
  std::vector<runner::ListedCase> listed;
  std::map<std::string, std::string> result_paths;  // by fingerprint
  for (const runner::PackageTest& t : index.tests) {
    runner::ListedCase l{t.name, t.fingerprint, std::nullopt, ""};
    try {
      runner::PackagedCase p = runner::read_package_test(o.package, o.results, t);
      result_paths[t.fingerprint] = p.result_path;
      l.c = std::move(p.c);
    } catch (const std::exception& e) {
      l.problem = e.what();
    }
    listed.push_back(std::move(l));
  }
  const runner::ListedCases cases(std::move(listed),
                                  index.generation.value("seed", generators::kDefaultRunSeed),
                                  mxconf::stage::read_package);
  const runner::ResultFilesSut sut(std::move(result_paths));

  runner::RunOptions r;
  r.jobs = o.jobs;
  r.out_dir = o.out;
  r.shrink = false;
  r.resume = o.resume;
  r.judge.require = o.require;
  const std::atomic<bool>& stop = stop_on_signals();
  r.stop = &stop;
  r.identity = {
      {"check",
       {{"package", fs::absolute(package).string()}, {"results", fs::absolute(results).string()}}}};
  const runner::RunSummary s = runner::run_campaign(cases, sut, r);
  const reports::Report rep = reports::build_report(o.out);
  reports::write_reports(rep, o.out + "/report", {"json", "junit", "md", "html"});
  const auto& j = s.json;
  std::printf("%llu tests graded: %s\n", (unsigned long long)j["cases_done"].get<uint64_t>(),
              j["counts"].dump().c_str());
  for (const auto& f : j["failures"]) {
    const uint64_t i = f["index"].get<uint64_t>();
    std::printf("  %s %s: %s\n", f["verdict"].get<std::string>().c_str(),
                i < index.tests.size() ? index.tests[i].name.c_str() : "?",
                f["message"].get<std::string>().c_str());
  }
  std::printf("results: %s/results.jsonl, reports: %s/report/\n", o.out.c_str(), o.out.c_str());
  if (stop) return stop_exit_code();
  return s.all_good ? 0 : 1;
}

}  // namespace

void add_check_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<CheckCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Grade the outputs another system wrote for an exported package (RESULTS/<test>/<ofm_file>\n"
      "per test) with run's tiers and verdicts; results and reports go to --out. Exit 0 only if\n"
      "every verdict is pass or rejected-as-expected.");
  cmd->add_option("PACKAGE", opts->package, "package directory (mxconf export --out)")->required();
  cmd->add_option("--results", opts->results, "directory of the system's outputs")->required();
  cmd->add_option("--out", opts->out, "where results and reports go")->capture_default_str();
  cmd->add_flag("--resume", opts->resume, "continue an interrupted check in --out");
  add_level_option(cmd, "--require", opts->require,
                   "the level a valid case must reach: compliant (TOSA's bounds) or bit-exact");
  cmd->add_option("--jobs", opts->jobs, "parallel workers")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  set_action(cmd, result, [opts] { return run_check(*opts); });
}

}  // namespace mxconf::cli

// mxconf check DIR --results RESULTS: grade outputs another system produced for an exported
// package, with the tiers and verdicts of run and the reports of `mxconf report`.
#include <atomic>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/reports/writers.h"
#include "mxconf/runner/conformance_package.h"
#include "mxconf/runner/run_loop.h"

namespace mxconf::cli {
namespace {

namespace fs = std::filesystem;

struct CheckCliOptions {
  std::string package, results, out = "out/check";
  unsigned jobs = 1;
  bool resume = false;
};

// One test of the package: its case, or why it cannot be graded.
struct PackageTest {
  std::string name, fingerprint, result_path, problem;
  generators::Case c;
};

PackageTest load_test(const fs::path& package, const fs::path& results, const nlohmann::json& t) {
  PackageTest pt;
  try {
    pt.name = t.at("name").get<std::string>();
    pt.fingerprint = t.at("fingerprint").get<std::string>();
    if (pt.name.empty() || pt.name.find('/') != std::string::npos || pt.name[0] == '.')
      throw std::runtime_error("bad test name '" + pt.name + "'");
    const nlohmann::json desc = io::read_json_file((package / pt.name / "desc.json").string());
    const auto& ofm = desc.at("ofm_file");
    if (!ofm.is_array() || ofm.empty() || !ofm[0].is_string())
      throw std::runtime_error("desc.json: ofm_file names no file");
    pt.result_path = (results / pt.name / ofm[0].get<std::string>()).string();
    pt.c = generators::load_case_file((package / pt.name / runner::kCaseFile).string());
    if (generators::fingerprint(pt.c) != pt.fingerprint)
      throw std::runtime_error("case.json does not match the fingerprint in index.json");
  } catch (const std::exception& e) {
    pt.problem = e.what();
  }
  return pt;
}

int run_check(const CheckCliOptions& o) {
  const fs::path package(o.package), results(o.results);
  if (!fs::exists(package / runner::kPackageIndex))
    throw UsageError(o.package + ": no index.json (not an mxconf conformance package)");
  if (!fs::is_directory(results)) throw UsageError(o.results + " is not a directory");
  const nlohmann::json index = io::read_json_file((package / runner::kPackageIndex).string());
  if (index.value("kind", "") != "mxconf-conformance-package" || !index.contains("tests") ||
      !index["tests"].is_array())
    throw UsageError(o.package + "/index.json is not an mxconf package index");
  if (index.value("version", 0) != runner::kPackageFormatVersion)
    throw UsageError(o.package + "/index.json: unsupported package version");

  std::vector<PackageTest> tests;
  for (const auto& t : index["tests"]) tests.push_back(load_test(package, results, t));

  runner::RunOptions r;
  r.cases = tests.size();
  r.seed = index["generation"].value("seed", uint64_t{0});
  r.jobs = o.jobs;
  r.out_dir = o.out;
  r.shrink = false;
  r.resume = o.resume;
  const std::atomic<bool>& stop = stop_on_signals();
  r.stop = &stop;
  r.identity_extra = {
      {"check",
       {{"package", fs::absolute(package).string()}, {"results", fs::absolute(results).string()}}}};
  r.case_at = [&](uint64_t i) { return tests[i].c; };
  r.evaluate = [&](const generators::Case& c, uint64_t i) {
    const PackageTest& t = tests[i];
    runner::CaseResult res;
    if (!t.problem.empty()) {
      res.fingerprint = t.fingerprint;
      res.verdict = runner::Verdict::error;
      res.error_stage = "package";
      res.message = t.problem;
      res.facets = {{"op", "MXFP_LINEAR"}};
    } else {
      res = runner::grade_result_file(c, t.result_path);
    }
    res.name = t.name;
    return res;
  };
  const runner::RunSummary s = runner::run_campaign(r);
  const reports::Report rep = reports::build_report(o.out);
  reports::write_reports(rep, o.out + "/report", {"json", "junit", "md", "html"});
  const auto& j = s.json;
  std::printf("%llu tests graded: %s\n", (unsigned long long)j["cases_done"].get<uint64_t>(),
              j["counts"].dump().c_str());
  for (const auto& f : j["failures"]) {
    const uint64_t i = f["index"].get<uint64_t>();
    std::printf("  %s %s: %s\n", f["verdict"].get<std::string>().c_str(),
                i < tests.size() ? tests[i].name.c_str() : "?",
                f["message"].get<std::string>().c_str());
  }
  std::printf("results: %s/results.jsonl, reports: %s/report/\n", o.out.c_str(), o.out.c_str());
  if (stop) return 130;
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
  cmd->add_option("--jobs", opts->jobs, "parallel workers")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  set_action(cmd, result, [opts] { return run_check(*opts); });
}

}  // namespace mxconf::cli

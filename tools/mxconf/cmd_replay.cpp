// mxconf replay CASE.json: rerun one case and print every stage and tier.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "mxconf/generators/case.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/runner/run_case.h"
#include "sut_options.h"

namespace mxconf::cli {
namespace {

struct ReplayOptions {
  std::string file;
  bool verbose = false;
  SutCliOptions sut;
  std::string sut_work = "out/replay/sut";
};

int run_replay(const ReplayOptions& o) {
  std::ifstream in(o.file);
  if (!in) throw UsageError(o.file + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const generators::Case c = generators::case_from_any_json(
      io::parse_json_text(ss.str(), o.file), std::filesystem::path(o.file).parent_path().string());
  runner::JudgeOptions opts;
  opts.keep_details = true;
  opts.require = required_level(o.sut);
  const std::unique_ptr<runner::SystemUnderTest> sut =
      make_sut(o.sut, std::filesystem::absolute(o.sut_work).string());
  const runner::CaseResult r = runner::run_case(c, *sut, opts);
  std::printf("case %s (%s)\n", r.fingerprint.c_str(), r.name.c_str());
  std::printf("  target: %s, cast rule %s\n", c.target.profile.text.c_str(),
              std::string(formats::name(c.target.cast_rule)).c_str());
  if (c.expect.rule) {
    std::printf("  expect: rejected with %s (rule %s)\n", c.expect.code.c_str(),
                std::string(generators::name(*c.expect.rule)).c_str());
  }
  // The stages this system has, in order.
  using mxconf::Stage;
  std::vector<Stage> stages;
  if (!c.expect.valid()) {
    stages.push_back(stage::lower);
    if (!o.sut.exec.empty()) stages.push_back(stage::sut_exec);
  } else {
    stages.push_back(stage::generate);
    if (o.sut.lower.empty()) {
      for (Stage s : {stage::lower, stage::validate, stage::serialize, stage::load})
        stages.push_back(s);
    } else {
      stages.push_back(stage::sut_lower);
    }
    stages.push_back(o.sut.exec.empty() ? stage::execute : stage::sut_exec);
    stages.push_back(stage::judge);
  }
  bool broke = false;
  for (Stage s : stages) {
    const bool here = r.error_stage == s;
    std::printf("  %-10s %s\n", std::string(mxconf::name(s)).c_str(),
                broke  ? "-"
                : here ? ("ERROR: " + r.message).c_str()
                       : "ok");
    broke |= here;
  }
  // The tiers in the order they are judged, then what external commands did.
  for (const runner::TierResult& t : r.tiers) {
    const nlohmann::json value = t.record();
    std::printf("  tier %-15s %s\n", std::string(record_key(t.tier)).c_str(),
                o.verbose ? value.dump(2).c_str() : value.dump().c_str());
  }
  if (!r.sut.is_null())
    std::printf("  sut %s\n", o.verbose ? r.sut.dump(2).c_str() : r.sut.dump().c_str());
  if (r.rejection) std::printf("  rejection %s\n", r.rejection->dump().c_str());
  if (r.level) std::printf("level: %s\n", std::string(mxconf::name(*r.level)).c_str());
  std::printf(
      "verdict: %s%s%s\n", std::string(mxconf::name(r.verdict)).c_str(),
      r.failed_tier ? (" (tier " + std::string(mxconf::name(*r.failed_tier)) + ")").c_str() : "",
      r.message.empty() ? "" : (": " + r.message).c_str());
  return mxconf::is_failure(r.verdict) ? 1 : 0;
}

}  // namespace

void add_replay_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<ReplayOptions>();
  CLI::App* cmd =
      app.add_subcommand("replay",
                         "Rerun one case (a case JSON or a saved failure) and print every\n"
                         "stage and tier; mismatches show the first differing elements.");
  cmd->add_option("CASE", opts->file, "case .json")->required();
  cmd->add_flag("--verbose", opts->verbose, "print each tier in full");
  add_sut_options(cmd, opts->sut);
  cmd->add_option("--sut-work", opts->sut_work, "work directories of the external commands")
      ->capture_default_str();
  set_action(cmd, result, [opts] { return run_replay(*opts); });
}

}  // namespace mxconf::cli

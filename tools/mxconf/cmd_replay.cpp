// mxconf replay CASE.json: rerun one case and print every stage and tier.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "mxconf/generators/case.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/runner/judge.h"
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
  nlohmann::json j = io::parse_json_text(ss.str(), o.file);
  if (j.is_object() && j.contains("case")) j = j["case"];  // a saved failure record
  const generators::Case c = generators::case_from_json(j);
  runner::JudgeOptions opts;
  opts.keep_details = true;
  const std::unique_ptr<runner::ExternalSut> sut =
      make_sut(o.sut, std::filesystem::absolute(o.sut_work).string());
  opts.sut = sut.get();
  const runner::CaseResult r = runner::run_case(c, opts);
  std::printf("case %s (%s)\n", r.fingerprint.c_str(), r.name.c_str());
  if (!c.expect.valid) {
    std::printf("  expect: rejected with %s (rule %s)\n", c.expect.code.c_str(),
                c.expect.rule.c_str());
  }
  const char* stages[] = {"generate", "sut-lower", "lower",   "validate", "serialize",
                          "load",     "sut-exec",  "execute", "judge"};
  bool broke = false;
  for (const char* s : stages) {
    const std::string stage = s;
    if (!c.expect.valid && stage != "lower" && stage != "sut-exec") continue;
    if (stage.starts_with("sut-") &&
        (!sut || (stage == "sut-exec" ? sut->exec : sut->lower).empty()))
      continue;
    if (stage == "execute" && sut && !sut->exec.empty()) continue;  // the external runtime ran it
    const bool here = r.error_stage == s;
    std::printf("  %-10s %s\n", s, broke ? "-" : here ? ("ERROR: " + r.message).c_str() : "ok");
    broke |= here;
  }
  for (const auto& [tier, value] : r.tiers.items()) {
    std::printf("  tier %-15s %s\n", tier.c_str(),
                o.verbose ? value.dump(2).c_str() : value.dump().c_str());
  }
  std::printf("verdict: %s%s%s\n", std::string(runner::name(r.verdict)).c_str(),
              r.failed_tier.empty() ? "" : (" (tier " + r.failed_tier + ")").c_str(),
              r.message.empty() ? "" : (": " + r.message).c_str());
  return (r.verdict == runner::Verdict::pass || r.verdict == runner::Verdict::rejected_as_expected)
             ? 0
             : 1;
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

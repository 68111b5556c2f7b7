// mxconf run: the conformance campaign (generate -> lower -> validate -> serialize -> load ->
// execute -> judge), streamed to DIR/results.jsonl with DIR/summary.json at the end.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "commands.h"
#include "generation_options.h"
#include "mxconf/faults/faults.h"
#include "mxconf/io/json_reader.h"
#include "mxconf/runner/run_loop.h"
#include "sut_options.h"

namespace mxconf::cli {
namespace {

// --case-files: case JSON files (or directories of them, in name order), each its own case under
// its file name; one that cannot be read is an error at stage `package` in the results.
std::unique_ptr<runner::CaseSource> listed_case_files(const std::vector<std::string>& paths,
                                                      uint64_t seed) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const std::string& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(p))
        if (e.path().extension() == ".json") in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(p)) {
      files.emplace_back(p);
    } else {
      throw UsageError("--case-files: no file or directory " + p);
    }
  }
  if (files.empty()) throw UsageError("--case-files names no .json file");
  std::vector<runner::ListedCase> listed;
  for (const fs::path& f : files) {
    runner::ListedCase l{f.stem().string(), "", std::nullopt, ""};
    try {
      l.c =
          generators::case_from_any_json(io::read_json_file(f.string()), f.parent_path().string());
      l.fingerprint = generators::fingerprint(*l.c);
    } catch (const std::exception& e) {
      l.problem = f.string() + ": " + e.what();
    }
    listed.push_back(std::move(l));
  }
  return std::make_unique<runner::ListedCases>(std::move(listed), seed, mxconf::stage::read_package,
                                               true);
}

// --shard I/N counts from 1 to N, as Jest, Playwright and nextest do.
std::pair<uint32_t, uint32_t> parse_shard(const std::string& text) {
  unsigned i = 0, n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%u/%u%c", &i, &n, &tail) != 2 || n == 0)
    throw UsageError("--shard '" + text + "' is not I/N (shard I of N, 1 <= I <= N)");
  if (i == 0)
    throw UsageError("--shard '" + text + "': shards count from 1; the first of " +
                     std::to_string(n) + " is --shard 1/" + std::to_string(n));
  if (i > n)
    throw UsageError("--shard '" + text + "': there are only " + std::to_string(n) + " shards");
  return {i, n};
}

struct RunCliOptions {
  GenerationCliOptions gen;
  std::vector<std::string> case_files;
  double time_budget = 0;
  std::string shard = "1/1";
  unsigned jobs = 1;
  std::string out = "out/run";
  bool resume = false;
  bool no_shrink = false;
  double shrink_budget = 120;
  std::string fault;
  SutCliOptions sut;
};

// Where the external systems' work directories of failing cases are, if any were kept.
void print_kept_work(const std::filesystem::path& root) {
  std::error_code ec;
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(root, ec))
    n += e.is_directory() && e.path().filename() != "workers";
  if (n > 0)
    std::printf("work directories kept (failures' evidence): %zu in %s\n", n, root.c_str());
}

int run_run(const RunCliOptions& o) {
  if (!o.fault.empty()) faults::inject(o.fault);  // throws if unknown or not compiled in
  runner::RunOptions r;
  r.time_budget_seconds = o.time_budget;
  const auto [shard, shards] = parse_shard(o.shard);
  r.shard_index = shard - 1;
  r.shard_count = shards;
  r.jobs = o.jobs;
  std::unique_ptr<runner::CaseSource> source;
  if (o.case_files.empty()) {
    generators::GenConfig gen = make_gen_config(o.gen);
    // mxconf's own runtime takes the cast rule as an option: the default campaign varies it, so
    // an interpreter that ignored it would be caught. An external runtime implements one rule.
    gen.vary_cast_rule = !o.gen.cast_rule_given() && o.sut.exec.empty();
    source = std::make_unique<runner::GeneratedCases>(gen, o.gen.seed, o.gen.cases);
  } else {
    source = listed_case_files(o.case_files, o.gen.seed);
  }
  const runner::CaseSource& cases = *source;
  const std::unique_ptr<runner::SystemUnderTest> sut =
      make_sut(o.sut, (std::filesystem::absolute(o.out) / "sut").string());
  r.replay_prefix += sut->cli_options();
  r.judge.require = required_level(o.sut);
  r.shrink_budget_seconds = o.shrink_budget;
  r.out_dir = o.out;
  r.resume = o.resume;
  r.shrink = !o.no_shrink;
  const std::atomic<bool>& stop = stop_on_signals();
  r.stop = &stop;
  // A status line on a terminal, silence otherwise. (Debian packages no C++ progress-bar library.)
  const bool tty = ::isatty(STDERR_FILENO);
  if (tty) {
    r.progress = [](const nlohmann::json& p) {
      const auto& c = p["counts"];
      auto count = [&](mxconf::Verdict v) {
        return (unsigned long long)c.value(std::string(mxconf::name(v)), 0ull);
      };
      std::fprintf(stderr,
                   "\r%llu/%llu cases  %.0f cases/s  pass %llu  rejected %llu  fail %llu  error "
                   "%llu  missed %llu ",
                   (unsigned long long)p["done"].get<uint64_t>(),
                   (unsigned long long)p["total"].get<uint64_t>(),
                   p["cases_per_second"].get<double>(), count(mxconf::Verdict::pass),
                   count(mxconf::Verdict::rejected_as_expected), count(mxconf::Verdict::fail),
                   count(mxconf::Verdict::error), count(mxconf::Verdict::rejection_missed));
    };
  }
  const runner::RunSummary s = runner::run_campaign(cases, *sut, r);
  if (tty) std::fprintf(stderr, "\n");
  const auto& j = s.json;
  std::printf("%llu of %llu cases in %.1f s (%.0f cases/s): %s\n",
              (unsigned long long)j["cases_done"].get<uint64_t>(),
              (unsigned long long)j["cases_planned"].get<uint64_t>(), j["seconds"].get<double>(),
              j["cases_per_second"].get<double>(), j["counts"].dump().c_str());
  for (const auto& f : j["failures"]) {
    std::printf("  %s case %llu: %s\n    replay: %s\n", f["verdict"].get<std::string>().c_str(),
                (unsigned long long)f["index"].get<uint64_t>(),
                f["message"].get<std::string>().c_str(), f["replay"].get<std::string>().c_str());
  }
  std::printf("results: %s/results.jsonl, summary: %s/summary.json\n", o.out.c_str(),
              o.out.c_str());
  print_kept_work(std::filesystem::path(o.out) / "sut");
  if (stop) {
    std::printf("interrupted: continue with --resume\n");
    return stop_exit_code();
  }
  return s.all_good ? 0 : 1;
}

}  // namespace

void add_run_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<RunCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Generate MXFP linear and conv2d cases, run each through the whole pipeline (or an external "
      "lowering\n"
      "or runtime: --sut-lower, --sut-exec) and judge it with the oracle. Exit 0 only if every\n"
      "verdict is pass or rejected-as-expected.");
  add_generation_options(cmd, opts->gen);
  cmd->add_option("--case-files", opts->case_files,
                  "run these case files (or directories of them) instead of generated cases");
  cmd->add_option("--time-budget", opts->time_budget, "stop after SECONDS (0: no budget)")
      ->capture_default_str();
  cmd->add_option("--shard", opts->shard,
                  "I/N, 1 <= I <= N: run shard I of N (cases i with i % N == I - 1)")
      ->capture_default_str();
  cmd->add_option("--jobs", opts->jobs, "parallel workers; results do not depend on it")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "output directory")->capture_default_str();
  cmd->add_flag("--resume", opts->resume, "continue an interrupted run in --out");
  cmd->add_flag("--no-shrink", opts->no_shrink, "save failing cases as they are");
  cmd->add_option("--shrink-budget", opts->shrink_budget,
                  "seconds the whole run may spend shrinking; one failure per symptom is shrunk")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--inject-fault", opts->fault,
                  "run against a deliberately broken pipeline (mutation score; needs a build with\n"
                  "MXCONF_FAULT_INJECTION=ON, see docs/mutation-score.md)");
  add_sut_options(cmd, opts->sut);
  set_action(cmd, result, [opts] { return run_run(*opts); });
}

}  // namespace mxconf::cli

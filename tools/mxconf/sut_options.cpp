#include "sut_options.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "enum_options.h"

namespace mxconf::cli {

void add_sut_options(CLI::App* cmd, SutCliOptions& o) {
  cmd->add_option("--sut-exec", o.exec,
                  "an external runtime runs each case's .tosa: \"CMD {tosa} {inputs} {outdir}\"\n"
                  "(also {desc}, {dir}); it writes one .npy per output into {outdir}");
  cmd->add_option("--sut-lower", o.lower,
                  "an external lowering writes each case's .tosa: \"CMD {case} {out_tosa}\"\n"
                  "({case}: model JSON with .npy weights; also {case_json}, {dir})");
  cmd->add_option("--sut-timeout", o.timeout, "seconds per external command")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  cmd->add_flag("--sut-keep-work", o.keep_work,
                "keep every case's work directory (default: only those of failures)");
  cmd->add_option("--sut-keep-failures", o.keep_failures,
                  "how many failing cases keep their work directory (OUT/sut/...) as evidence;\n"
                  "later failures' are removed, and their result says so")
      ->capture_default_str();
  cmd->add_flag("--sut-worker", o.worker,
                "run each external command as long-lived workers (one per job) that serve cases\n"
                "one JSON line at a time (`CMD... --worker`; the adapters in sut/ speak it)");
  cmd->add_option("--sut-startup", o.startup,
                  "extra seconds a fresh worker gets for its first case (imports); a pool gives\n"
                  "up once 2 fresh workers time out without any worker ever answering")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--sut-restarts", o.restarts,
                  "how many lost workers (crashed, hung) are replaced before the rest of the\n"
                  "run's cases are errors at once")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--sut-python", o.python,
                  "the Python the adapters in sut/ run with: your own venv or checkout, any\n"
                  "Python whose environment holds the packages (sets MXCONF_SUT_VENV_PYTHON)");
  using Probe = runner::ExternalSutOptions::VersionProbe;
  cmd->add_option("--sut-versions", o.versions,
                  "ask the commands' programs `--version-info` for run.json: auto (only a\n"
                  "program marked as an mxconf adapter, as those in sut/ are), on, off")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Probe>{
              {"auto", Probe::automatic}, {"on", Probe::on}, {"off", Probe::off}},
          CLI::ignore_case))
      ->default_str("auto");
  add_level_option(
      cmd, "--require", o.require,
      "the level a valid case must reach to pass: bit-exact (the default for mxconf's\n"
      "own pipeline) or compliant (TOSA's bounds; the default for another system)");
}

mxconf::Level required_level(const SutCliOptions& o) {
  if (o.require) return *o.require;
  return o.exec.empty() && o.lower.empty() ? mxconf::Level::bit_exact : mxconf::Level::compliant;
}

std::unique_ptr<runner::SystemUnderTest> make_sut(const SutCliOptions& o,
                                                  const std::string& work_root) {
  runner::ExternalSutOptions e;
  try {
    if (!o.exec.empty()) e.exec = runner::CommandTemplate(o.exec, runner::kExecPlaceholders);
  } catch (const std::invalid_argument& err) {
    throw UsageError("--sut-exec: " + std::string(err.what()));
  }
  try {
    if (!o.lower.empty()) e.lower = runner::CommandTemplate(o.lower, runner::kLowerPlaceholders);
  } catch (const std::invalid_argument& err) {
    throw UsageError("--sut-lower: " + std::string(err.what()));
  }
  if (!o.python.empty()) {
    // Absolute, so that adapters started from any directory find it; the environment is how the
    // adapters' wrappers (sut/venv-path --python) learn it.
    const std::string py = std::filesystem::absolute(o.python).lexically_normal().string();
    if (::access(py.c_str(), X_OK) != 0)
      throw UsageError("--sut-python: " + py + " is not an executable Python");
    ::setenv("MXCONF_SUT_VENV_PYTHON", py.c_str(), 1);
    e.python = py;
  }
  e.timeout_seconds = o.timeout;
  e.keep_work = o.keep_work;
  e.keep_failures = o.keep_failures;
  e.worker = o.worker;
  e.worker_startup_seconds = o.startup;
  e.worker_restarts = o.restarts;
  e.version_probe = o.versions;
  e.work_root = work_root;
  e.require = o.require;
  return runner::make_sut(e);
}

}  // namespace mxconf::cli

// mxconf export [generation options] --out DIR: the cases of a seed as a TOSA conformance
// package (one directory per case, desc.json, model.tosa, .npy data, index.json).
#include <atomic>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "generation_options.h"
#include "mxconf/runner/package_format.h"
#include "mxconf/runner/run_loop.h"
#include "mxconf/version.h"

namespace mxconf::cli {
namespace {

namespace fs = std::filesystem;

struct ExportCliOptions {
  GenerationCliOptions gen;
  std::string out;
  bool split_extension_names = false;
};

int run_export(const ExportCliOptions& o) {
  const generators::GenConfig gen = make_gen_config(o.gen);
  const fs::path dir(o.out);
  if (fs::exists(dir / runner::kPackageIndex))
    throw UsageError(o.out + " already holds a package (index.json); choose another --out");
  if (fs::exists(dir) && !fs::is_directory(dir)) throw UsageError(o.out + " is not a directory");
  fs::create_directories(dir);
  const std::atomic<bool>& stop = stop_on_signals();

  std::vector<std::string> campaigns;
  for (auto c : gen.campaigns) campaigns.emplace_back(generators::name(c));
  const nlohmann::json generation = {{"seed", o.gen.seed},
                                     {"cases", o.gen.cases},
                                     {"campaigns", campaigns},
                                     {"invalid_fraction", gen.invalid_fraction},
                                     {"cast_rule", formats::name(gen.cast_rule)},
                                     {"max_k", o.gen.max_k}};
  const nlohmann::json provenance = {{"mxconf_version", MXCONF_VERSION_STRING},
                                     {"git_commit", MXCONF_GIT_COMMIT},
                                     {"spec_revision", generators::TargetSpec{}.spec_revision},
                                     {"created_at", runner::utc_now()}};
  runner::ExportOptions eo;
  eo.split_extension_names = o.split_extension_names;
  const runner::PackageIndex index =
      runner::export_package(runner::GeneratedCases(gen, o.gen.seed, o.gen.cases), o.out, eo,
                             generation, provenance, &stop);
  std::printf("%zu tests written to %s (%zu cases skipped: no .tosa form or duplicates)\n",
              index.tests.size(), o.out.c_str(), index.skipped.size());
  if (stop) {
    std::printf("interrupted after %zu of %llu cases: the index lists the tests written\n",
                index.tests.size() + index.skipped.size(), (unsigned long long)o.gen.cases);
    return stop_exit_code();
  }
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<ExportCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write the cases of a seed as a TOSA conformance package: one directory per case with\n"
      "desc.json, model.tosa, input .npy, the fp64 reference and DOT_PRODUCT bounds, and an\n"
      "index.json with fingerprints (docs/external-sut.md).");
  add_generation_options(cmd, opts->gen);
  cmd->add_option("--out", opts->out, "package directory")->required();
  cmd->add_flag("--split-extension-names", opts->split_extension_names,
                "require EXT-MX-COMMON + EXT-MX-<payload> (+ EXT-BF16) instead of the cases'\n"
                "own extension names (mxfp, bf16)");
  set_action(cmd, result, [opts] { return run_export(*opts); });
}

}  // namespace mxconf::cli

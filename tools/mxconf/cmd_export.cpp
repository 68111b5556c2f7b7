// mxconf export [generation options] --out DIR: the cases of a seed as a TOSA conformance
// package (one directory per case, desc.json, model.tosa, .npy data, index.json).
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>

#include "commands.h"
#include "generation_options.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/runner/conformance_package.h"
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

  nlohmann::json tests = nlohmann::json::array(), skipped = nlohmann::json::array();
  std::map<std::string, std::string> by_fingerprint;  // identical cases are exported once
  uint64_t done = 0;
  std::string failure;  // an I/O error ends the export; the index still lists what was written
  for (uint64_t i = 0; i < o.gen.cases && !stop && failure.empty(); ++i, ++done) {
    try {
      const generators::Case c = generators::generate_case(gen, o.gen.seed, i);
      const std::string fp = generators::fingerprint(c);
      if (const auto it = by_fingerprint.find(fp); it != by_fingerprint.end()) {
        skipped.push_back(
            {{"index", i}, {"fingerprint", fp}, {"reason", "same case as " + it->second}});
        continue;
      }
      const std::string name = runner::package_test_name(c);
      runner::ExportOptions eo;
      eo.split_extension_names = o.split_extension_names;
      const runner::ExportOutcome out = runner::write_test_dir(c, (dir / name).string(), eo);
      if (!out.written) {
        skipped.push_back({{"index", i}, {"fingerprint", fp}, {"reason", out.reason}});
        continue;
      }
      by_fingerprint[fp] = name;
      tests.push_back({{"name", name},
                       {"index", i},
                       {"fingerprint", fp},
                       {"expected_failure", !c.expect.valid},
                       {"desc", name + "/desc.json"}});
    } catch (const std::exception& e) {
      failure = "case " + std::to_string(i) + ": " + e.what();
      break;
    }
  }
  std::vector<std::string> campaigns;
  for (auto c : gen.campaigns) campaigns.emplace_back(generators::name(c));
  const nlohmann::json index = {{"kind", "mxconf-conformance-package"},
                                {"version", runner::kPackageFormatVersion},
                                {"complete", done == o.gen.cases},
                                {"generation",
                                 {{"seed", o.gen.seed},
                                  {"cases", o.gen.cases},
                                  {"campaigns", campaigns},
                                  {"invalid_fraction", gen.invalid_fraction},
                                  {"cast_rule", o.gen.cast_rule},
                                  {"max_k", o.gen.max_k}}},
                                {"provenance",
                                 {{"mxconf_version", MXCONF_VERSION_STRING},
                                  {"git_commit", MXCONF_GIT_COMMIT},
                                  {"spec_revision", generators::TargetSpec{}.spec_revision},
                                  {"created_at", runner::utc_now()}}},
                                {"tests", tests},
                                {"skipped", skipped}};
  const std::string text = index.dump(2) + "\n";
  io::write_file_atomic((dir / runner::kPackageIndex).string(),
                        {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  if (!failure.empty()) throw std::runtime_error(failure + " (index.json lists the tests written)");
  std::printf("%zu tests written to %s (%zu cases skipped: no .tosa form or duplicates)\n",
              tests.size(), o.out.c_str(), skipped.size());
  if (stop) {
    std::printf("interrupted after %llu of %llu cases: the index lists the tests written\n",
                (unsigned long long)done, (unsigned long long)o.gen.cases);
    return 130;
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

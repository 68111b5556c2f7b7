// mxconf selfcheck: the block-cast differential (formats/ against the oracle) over adversarial
// blocks for every format and scale rule; writes selfcheck.json. It is the quantization self-check
// scripts/run-conformance.sh runs before the full conformance campaign exists.
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "mxconf/generators/adversarial_blocks.h"
#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/runner/block_cast_check.h"
#include "mxconf/runner/quantize_campaign.h"

namespace mxconf::cli {
namespace {

struct SelfcheckOptions {
  uint64_t blocks = 100000;
  uint64_t quantize_cases = 40;
  uint64_t seed = 1;
  std::string out_dir;
};

int run_selfcheck(const SelfcheckOptions& o) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  nlohmann::json report = {{"kind", "mxconf-selfcheck"},
                           {"version", 1},
                           {"seed", o.seed},
                           {"blocks_per_pair", o.blocks},
                           {"pairs", nlohmann::json::array()}};
  uint64_t total = 0, failures = 0;
  std::printf("%-9s %-11s %12s %10s\n", "format", "rule", "blocks", "mismatch");
  for (formats::ElementType t : formats::kAllElementTypes) {
    for (formats::ScaleRule r : formats::kAllScaleRules) {
      generators::AdversarialBlockSource source(o.seed ^ (uint64_t(t) << 8) ^ uint64_t(r));
      uint64_t bad = 0;
      nlohmann::json first;
      for (uint64_t i = 0; i < o.blocks; ++i) {
        const auto blk = source.next(generators::oracle_format(t));
        const auto c = runner::compare_block_cast(t, r, blk.bits, blk.bf16);
        if (!c.agree() && bad++ == 0) {
          first = {{"block", i}, {"bf16", blk.bf16}, {"detail", c.describe(blk.bits)}};
        }
      }
      total += o.blocks;
      failures += bad;
      std::printf("%-9s %-11s %12llu %10llu\n", std::string(formats::name(t)).c_str(),
                  std::string(formats::name(r)).c_str(), (unsigned long long)o.blocks,
                  (unsigned long long)bad);
      report["pairs"].push_back({{"format", formats::name(t)},
                                 {"rule", formats::name(r)},
                                 {"blocks", o.blocks},
                                 {"mismatches", bad},
                                 {"first_mismatch", first}});
    }
  }
  // `mxconf quantize`'s own code on files (runner/quantize_campaign.h), in a scratch directory
  // of its own that is removed afterwards.
  const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() / ("mxconf-selfcheck-" + std::to_string(::getpid()));
  uint64_t quantize_bad = 0;
  nlohmann::json quantize_first;
  for (uint64_t i = 0; i < o.quantize_cases; ++i) {
    const runner::QuantizeCase q = runner::quantize_case_at(o.seed, i);
    const std::string why = runner::check_quantize_case(q, scratch / std::to_string(i));
    std::filesystem::remove_all(scratch / std::to_string(i));
    if (!why.empty() && quantize_bad++ == 0) quantize_first = {{"case", q.name()}, {"detail", why}};
  }
  std::filesystem::remove_all(scratch);
  failures += quantize_bad;
  std::printf("%llu quantize files checked against the oracle: %llu mismatches\n",
              (unsigned long long)o.quantize_cases, (unsigned long long)quantize_bad);
  if (quantize_bad) std::printf("first: %s\n", quantize_first.dump().c_str());
  report["quantize"] = {{"cases", o.quantize_cases},
                        {"mismatches", quantize_bad},
                        {"first_mismatch", quantize_first}};
  const double secs = std::chrono::duration<double>(clock::now() - start).count();
  report["blocks_total"] = total;
  report["mismatches_total"] = failures;
  report["seconds"] = secs;
  std::printf("%llu blocks compared bit for bit in %.1f s: %llu mismatches\n",
              (unsigned long long)total, secs, (unsigned long long)failures);
  if (!o.out_dir.empty()) {
    std::filesystem::create_directories(o.out_dir);
    const std::string path = (std::filesystem::path(o.out_dir) / "selfcheck.json").string();
    const std::string text = report.dump(2) + "\n";
    io::write_file_atomic(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    std::printf("report: %s\n", path.c_str());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

void add_selfcheck_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<SelfcheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "selfcheck",
      "Block-cast differential: formats/ against the independent oracle, bit for bit, on\n"
      "adversarial blocks (rule cut-offs, ties, subnormals, zeros, NaN/Inf, 2^+-127, bf16) for\n"
      "every format and scale rule; then `quantize`'s own code on files checked against the\n"
      "oracle. Exit 0 only if every block and file agrees.");
  cmd->add_option("--blocks", opts->blocks, "blocks per (format, rule) pair")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--quantize-cases", opts->quantize_cases,
                  "files run through `mxconf quantize`'s code and checked against the oracle "
                  "(sizes past one chunk, scales 0x00/0xFF, odd header alignments)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "generator seed")->capture_default_str();
  cmd->add_option("--out", opts->out_dir, "directory for selfcheck.json");
  set_action(cmd, result, [opts] { return run_selfcheck(*opts); });
}

}  // namespace mxconf::cli

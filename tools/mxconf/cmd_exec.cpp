// mxconf exec FILE.tosa --input NAME=FILE.npy ... --output-dir DIR: run a .tosa file with the
// reference interpreter and write one .npy per graph output.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "enum_options.h"
#include "mxconf/runner/exec_files.h"

namespace mxconf::cli {
namespace {

struct ExecOptions {
  std::string file;
  std::vector<std::string> inputs;
  std::string out_dir;
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;
  std::string target = "TOSA-1.1+FP+mxfp+mxfp_conv+bf16";
};

// Distinct statuses so a conformance harness can tell a rejected graph (a negative test passes)
// from one mxconf cannot run (never a pass). sut/tosa_tools_cts/mxconf_sut.py maps them.
constexpr int kExitGraphInvalid = 3;
constexpr int kExitUnsupported = 4;

int run_exec(const ExecOptions& o) {
  std::vector<std::pair<std::string, std::string>> written;
  try {
    written = runner::exec_files(
        {o.file, o.inputs, o.out_dir, o.cast_rule, pipeline::Target::parse(o.target)});
  } catch (const runner::ExecGraphInvalid& e) {
    std::fprintf(stderr, "mxconf exec: the graph is not valid TOSA: %s\n", e.what());
    return kExitGraphInvalid;
  } catch (const runner::ExecUnsupported& e) {
    std::fprintf(stderr, "mxconf exec: unsupported by mxconf: %s\n", e.what());
    return kExitUnsupported;
  } catch (const runner::ExecInputError& e) {
    throw UsageError(e.what());
  }
  for (const auto& [name, path] : written) std::printf("%s -> %s\n", name.c_str(), path.c_str());
  return 0;
}

}  // namespace

void add_exec_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<ExecOptions>();
  CLI::App* cmd = app.add_subcommand(
      "exec",
      "Run a .tosa file with the reference interpreter. Inputs and outputs are .npy files in\n"
      "tosa-tools' layouts (docs/io-formats.md): FP32 <f4; BF16 written <V2, read <V2 or <u2;\n"
      "FP8/E8M0 one byte per value; FP6/FP4 packed. One output file per graph output, named\n"
      "after the tensor, written only if the whole run succeeds.\n"
      "Exit status: 0 ran; 1 bad request or input; 3 the graph breaks a TOSA rule (ERROR_IF);\n"
      "4 the graph uses an op or type mxconf does not implement.");
  cmd->add_option("FILE", opts->file, "the .tosa file")->required();
  cmd->add_option("--input", opts->inputs,
                  "NAME=FILE.npy, once per graph input (FILE.npy alone for a one-input graph)");
  cmd->add_option("--output-dir", opts->out_dir, "directory for the output .npy files")->required();
  add_scale_rule_option(cmd, "--cast-rule", opts->cast_rule, "scale rule of CAST_TO_BLOCK_SCALED");
  cmd->add_option("--target", opts->target, "TOSA target the file is validated against")
      ->capture_default_str();
  set_action(cmd, result, [opts] { return run_exec(*opts); });
}

}  // namespace mxconf::cli

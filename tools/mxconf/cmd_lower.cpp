// mxconf lower MODEL.json -o OUT.tosa: lower, validate against the target, write the .tosa file.
#include <cstdio>
#include <filesystem>
#include <map>

#include "commands.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::cli {
namespace {

struct LowerCliOptions {
  std::string model;
  std::string out;
  std::string target;
  bool batched_matmul = false;
  bool no_fold_transposes = false;
  bool reshape_after_cast = false;
};

int run_lower(const LowerCliOptions& o) {
  const pipeline::ModelSpec m = pipeline::load_model_file(o.model);
  const std::string base_dir = std::filesystem::path(o.model).parent_path().string();
  std::string target_text = o.target;
  if (target_text.empty()) target_text = pipeline::default_target_text(m);
  const pipeline::Target target = pipeline::Target::parse(target_text);
  pipeline::LowerOptions lowering;
  lowering.batched_matmul = o.batched_matmul;
  lowering.fold_transposes = !o.no_fold_transposes;
  lowering.reshape_after_cast = o.reshape_after_cast;
  const pipeline::Graph g = pipeline::lower_model(m, base_dir, lowering);
  const auto issues = pipeline::validate_tosa(g, target);
  if (!issues.empty()) {
    for (const auto& i : issues) {
      std::fprintf(stderr, "  [%s] %s\n", std::string(pipeline::name(i.code)).c_str(),
                   i.message.c_str());
    }
    throw UsageError("the lowered graph breaks " + std::to_string(issues.size()) +
                     " TOSA rule(s) for target " + target.text);
  }
  const std::vector<uint8_t> bytes = pipeline::serialize_graph(g);
  io::write_file_atomic(o.out, bytes);

  std::map<std::string, int> ops;
  for (const auto& op : g.ops) ++ops[std::string(pipeline::name(op.op))];
  size_t const_bytes = 0, consts = 0;
  for (const auto& t : g.tensors) {
    if (t.data) {
      const_bytes += t.data->size();
      ++consts;
    }
  }
  std::printf("lowered %s -> %s (target %s)\n", o.model.c_str(), o.out.c_str(),
              target.text.c_str());
  std::printf("  %zu layer(s); input %s; output %s\n", m.layers.size(), m.input.name.c_str(),
              m.output.name.c_str());
  std::printf("  operators: %zu\n", g.ops.size());
  for (const auto& [op_name, n] : ops) std::printf("    %-24s %d\n", op_name.c_str(), n);
  std::printf("  tensors: %zu (%zu constant, %zu bytes of constant data)\n", g.tensors.size(),
              consts, const_bytes);
  std::printf("  file: %zu bytes, TOSA %d.%d.%d%s\n", bytes.size(), g.version.major,
              g.version.minor, g.version.patch, g.version.draft ? " draft" : "");
  return 0;
}

}  // namespace

void add_lower_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<LowerCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "lower",
      "Lower an MXFP linear or conv2d model description (JSON, docs/model-format.md) to a .tosa "
      "file:\n"
      "QuantizeWeights, NormalizeIoLayout, RewriteMxfpLinear, RewriteMxfpConv2d, FoldTransposes,\n"
      "EliminateDeadCode, then TOSA validation. Prints a one-screen summary.");
  cmd->add_option("MODEL", opts->model, "model description (.json)")->required();
  cmd->add_option("-o,--output", opts->out, "the .tosa file to write")->required();
  cmd->add_option(
      "--target", opts->target,
      "TOSA target, e.g. TOSA-1.1+FP+mxfp (default; +mxfp_conv added for conv2d models,\n"
      "+bf16 for bf16 models) or\n"
      "TOSA-1.1+FP+EXT-MX-COMMON+EXT-MX-FP8E4M3");
  cmd->add_flag("--no-fold-transposes", opts->no_fold_transposes,
                "keep both TRANSPOSEs of every conv layer (NCHW <-> NHWC), as ExecuTorch emits "
                "them, instead of folding the round trips between layers");
  cmd->add_flag("--batched-matmul", opts->batched_matmul,
                "keep the leading dims of a rank >= 3 input as the MATMUL batch (weights\n"
                "broadcast with D = 1) instead of reshaping to [1, M, K]");
  cmd->add_flag("--reshape-after-cast", opts->reshape_after_cast,
                "cast each linear layer's input in its own shape, then move the MX tensor to\n"
                "[B, M, K] with RESHAPE_BLOCK_SCALED (tosa-tools 2026.5.0 and 2026.8.0 run it)");
  set_action(cmd, result, [opts] { return run_lower(*opts); });
}

}  // namespace mxconf::cli

// mxconf quantize: block-cast a float32 .npy to an MX format and write the dequantized values,
// and optionally the element codes and E8M0 scales.
#include <cstdio>
#include <string>

#include "commands.h"
#include "enum_options.h"
#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/runner/quantize_file.h"

namespace mxconf::cli {
namespace {

struct QuantizeOptions {
  formats::ElementType dtype = formats::ElementType::fp8e4m3;
  formats::ScaleRule scale_rule = formats::kDefaultCastRule;
  std::string input;
  std::string dequant;
  std::string codes;
  std::string scales;
};

int run_quantize(const QuantizeOptions& o) {
  runner::QuantizeSummary s;
  try {
    s = runner::quantize_file({o.dtype, o.scale_rule, o.input, o.dequant, o.codes, o.scales});
  } catch (const runner::QuantizeInputError& e) {
    throw UsageError(e.what());
  }
  std::printf("quantized %zu values in %zu blocks to %s with the %s scale rule\n", s.values,
              s.blocks, std::string(formats::name(o.dtype)).c_str(),
              std::string(formats::name(o.scale_rule)).c_str());
  return 0;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<QuantizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Block-cast a float32 .npy to an MX format (CAST_TO_BLOCK_SCALED), then dequantize.\n"
      "IN: float32 (<f4), C order, rank >= 1, last dimension a multiple of 32; blocks of 32 run\n"
      "along the last dimension. Outputs are written only if everything succeeds.");
  add_payload_option(cmd, "--dtype", opts->dtype, "MX payload type")->required();
  add_scale_rule_option(cmd, "--cast-rule,--scale-rule", opts->scale_rule,
                        "block scale rule (tosa: spec HEAD)");
  cmd->add_option("IN", opts->input, "input .npy (float32)")->required();
  cmd->add_option("--dequant", opts->dequant,
                  "output .npy, float32, same shape: decoded element * block scale")
      ->required();
  cmd->add_option("--codes", opts->codes, "output .npy, uint8, one unpacked code per element");
  cmd->add_option("--scales", opts->scales,
                  "output .npy, uint8 E8M0 bytes, last dimension divided by 32");
  set_action(cmd, result, [opts] { return run_quantize(*opts); });
}

}  // namespace mxconf::cli

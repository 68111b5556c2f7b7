// mxconf quantize: block-cast a float32 .npy to an MX format and write the dequantized values,
// and optionally the element codes and E8M0 scales.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "enum_options.h"
#include "mxconf/formats/block_cast.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"

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
  const formats::ElementType type = o.dtype;
  const formats::ScaleRule rule = o.scale_rule;

  std::set<std::filesystem::path> paths{std::filesystem::weakly_canonical(o.input)};
  for (const std::string* p : {&o.dequant, &o.codes, &o.scales}) {
    if (!p->empty() && !paths.insert(std::filesystem::weakly_canonical(*p)).second) {
      throw UsageError("output path " + *p + " repeats the input or another output");
    }
  }

  const io::NpyArray in = io::read_npy(o.input);
  if (in.dtype != io::NpyDtype::f4) {
    throw UsageError(o.input + ": dtype is " + io::descr(in.dtype) +
                     ", quantize needs float32 <f4");
  }
  if (in.shape.empty()) throw UsageError(o.input + ": rank 0; quantize needs rank >= 1");
  const int64_t last = in.shape.back();
  if (last <= 0 || last % 32 != 0) {
    throw UsageError(o.input + ": last dimension " + std::to_string(last) +
                     " is not a positive multiple of 32 (the MX block size)");
  }

  const std::vector<float> values = in.as<float>();
  std::vector<uint8_t> codes(values.size());
  std::vector<uint8_t> scales(values.size() / 32);
  formats::cast_to_block_scaled(type, rule, values, codes, scales);
  std::vector<float> dequant(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    dequant[i] = formats::dequantize(type, codes[i], scales[i / 32]);
  }

  std::vector<int64_t> scale_shape = in.shape;
  scale_shape.back() /= 32;
  io::AtomicOutputs out;
  out.stage(o.dequant, io::serialize_npy(io::make_npy(io::NpyDtype::f4, in.shape, dequant.data(),
                                                      dequant.size() * 4)));
  if (!o.codes.empty()) {
    out.stage(o.codes, io::serialize_npy(
                           io::make_npy(io::NpyDtype::u1, in.shape, codes.data(), codes.size())));
  }
  if (!o.scales.empty()) {
    out.stage(o.scales, io::serialize_npy(io::make_npy(io::NpyDtype::u1, scale_shape, scales.data(),
                                                       scales.size())));
  }
  out.commit();
  std::printf("quantized %zu values in %zu blocks to %s with the %s scale rule\n", values.size(),
              scales.size(), std::string(formats::name(type)).c_str(),
              std::string(formats::name(rule)).c_str());
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

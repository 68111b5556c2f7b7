// The conv2d row of the operator table: torch's nn.Conv2d on NCHW (groups 1), lowered to
// TRANSPOSE + CAST_TO_BLOCK_SCALED + CONV2D_BLOCK_SCALED + TRANSPOSE (RewriteMxfpConv2d), with
// OHWI weights whose blocks run along IC (conv2d-block-scaled.md).
#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/model.h"
#include "mxconf/pipeline/passes/rewrite_mxfp_conv2d.h"

namespace mxconf::pipeline {
namespace {

using io::JsonError;

// Kernel, stride, pad and dilation: TOSA's 8K level limit is a validation rule (tosa_validate),
// so the model format admits more and the validator reports the level.
constexpr int64_t kMaxConvArg = 1 << 16;

const Conv2dGeom& geom(const LayerGeometry& g) {
  return std::get<Conv2dGeom>(g);
}

std::optional<std::vector<int64_t>> output_shape(const std::vector<int64_t>& x,
                                                 const LayerGeometry& lg) {
  const Conv2dGeom& c = geom(lg);
  if (x.size() != 4) return std::nullopt;
  const int64_t oh =
      conv_output_size(x[2], c.pad[0], c.pad[1], c.kernel[0], c.dilation[0], c.stride[0]);
  const int64_t ow =
      conv_output_size(x[3], c.pad[2], c.pad[3], c.kernel[1], c.dilation[1], c.stride[1]);
  if (oh < 0 || ow < 0) return std::nullopt;
  return std::vector<int64_t>{x[0], c.out_channels, oh, ow};
}

// A conv argument given as one integer (both axes) or as [y, x].
std::array<int64_t, 2> int_pair(io::JsonObject& o, const std::string& key, int64_t fallback,
                                int64_t min, int64_t max) {
  if (!o.has(key)) return {fallback, fallback};
  const auto& v = o.get(key);
  const std::string p = o.child(key);
  if (v.is_number()) {
    const int64_t x = io::json_integer(v, p, min, max);
    return {x, x};
  }
  if (!v.is_array() || v.size() != 2) throw JsonError(p, "expected an integer or [y, x]");
  return {io::json_integer(v[0], p + "/0", min, max), io::json_integer(v[1], p + "/1", min, max)};
}

LayerGeometry parse(io::JsonObject& o, size_t index, const std::vector<int64_t>& image) {
  if (image.size() != 4) {
    throw JsonError(
        "/input/shape",
        "a conv2d model takes a rank-4 NCHW input, not rank " + std::to_string(image.size()),
        "conv_input_rank");
  }
  static constexpr layers::InWidthKey kIn = {"in_channels",
                                             "IC % block_size must be 0",
                                             "ic_not_multiple_of_32",
                                             "input's channel dimension C = ",
                                             "previous out_channels ",
                                             "in_channels_mismatch"};
  Conv2dGeom c;
  c.in_channels = layers::read_in_width(o, kIn, index, image[1]);
  c.out_channels = o.integer("out_channels", 1, layers::kMaxDim);
  if (o.integer_or("groups", 1, 1, layers::kMaxDim) != 1) {
    throw JsonError(o.child("groups"), "only groups = 1 is supported (as in ExecuTorch's lowering)",
                    "groups_unsupported");
  }
  if (!o.has("kernel")) throw JsonError(o.child("kernel"), "missing (give [KH, KW])");
  c.kernel = int_pair(o, "kernel", 1, 1, kMaxConvArg);
  c.stride = int_pair(o, "stride", 1, 1, kMaxConvArg);
  c.dilation = int_pair(o, "dilation", 1, 1, kMaxConvArg);
  if (o.has("pad") && o.has("padding")) {
    throw JsonError(o.child("pad"), "give padding (symmetric) or pad (4 values), not both");
  }
  if (o.has("pad")) {
    const std::vector<int64_t> p = o.int_array("pad", 0, kMaxConvArg);
    if (p.size() != 4)
      throw JsonError(o.child("pad"), "expected 4 values [top, bottom, left, right]");
    c.pad = {p[0], p[1], p[2], p[3]};
    c.symmetric = false;
  } else {
    const auto p = int_pair(o, "padding", 0, 0, kMaxConvArg);
    c.pad = {p[0], p[0], p[1], p[1]};
  }
  if (!output_shape(image, c)) {
    throw JsonError(o.child("kernel"),
                    "the output size is not an exact integer for input H x W = " +
                        std::to_string(image[2]) + " x " + std::to_string(image[3]) +
                        ": TOSA needs (IH - 1 + pad_top + pad_bottom - (KH - 1) * dilation_y) "
                        "to be >= 0 and divisible by stride_y (likewise for W)",
                    "conv_output_size");
  }
  return c;
}

void write(const LayerGeometry& g, nlohmann::json& j) {
  const Conv2dGeom& c = geom(g);
  j["type"] = "conv2d";
  j["in_channels"] = c.in_channels;
  j["out_channels"] = c.out_channels;
  j["kernel"] = c.kernel;
  j["stride"] = c.stride;
  j["dilation"] = c.dilation;
  if (c.symmetric) {
    j["padding"] = std::array<int64_t, 2>{c.pad[0], c.pad[2]};
  } else {
    j["pad"] = c.pad;
  }
}

// {NxCxHxW}_k{KHxKW}_s{stride}_p{pad}[_d{dilation}][_l{layers}]_oc{OC}: the first layer's
// geometry (pads as [ph, pw] when symmetric, else all four) and the last layer's OC.
std::string geometry_name(const ModelSpec& m) {
  const Conv2dGeom& g = geom(m.layers.front().geometry);
  std::string s = join_dims(m.input.shape, "x") + "_k" + std::to_string(g.kernel[0]) + "x" +
                  std::to_string(g.kernel[1]) + "_s" + layers::pair_text(g.stride[0], g.stride[1]) +
                  "_p";
  if (g.pad[0] == g.pad[1] && g.pad[2] == g.pad[3]) {
    s += layers::pair_text(g.pad[0], g.pad[2]);
  } else {
    s += join_dims({g.pad[0], g.pad[1], g.pad[2], g.pad[3]}, "x");
  }
  if (g.dilation[0] != 1 || g.dilation[1] != 1)
    s += "_d" + layers::pair_text(g.dilation[0], g.dilation[1]);
  if (m.layers.size() > 1) s += "_l" + std::to_string(m.layers.size());
  return s + "_oc" + std::to_string(m.layers.back().out_width());
}

// Toward 1x1, stride 1, no dilation, no padding: one step each.
std::vector<LayerGeometry> simpler(const LayerGeometry& lg) {
  const Conv2dGeom& g = geom(lg);
  std::vector<LayerGeometry> out;
  auto variant = [&](auto&& edit) {
    Conv2dGeom x = g;
    edit(x);
    if (!(x == g)) out.emplace_back(x);
  };
  variant([](Conv2dGeom& p) { p.kernel = {1, 1}; });
  variant([](Conv2dGeom& p) { p.stride = {1, 1}; });
  variant([](Conv2dGeom& p) { p.dilation = {1, 1}; });
  variant([](Conv2dGeom& p) {
    p.pad = {0, 0, 0, 0};
    p.symmetric = true;
  });
  return out;
}

}  // namespace

// CONV2D_BLOCK_SCALED's type support (SPEC tosa.xml l.556-570 at cd5acdd) lists the five fp
// payloads; unlike MATMUL_T_BLOCK_SCALED (l.1067) it has no MXINT8 row.
constexpr formats::ElementType kConvPayloads[] = {
    formats::ElementType::fp8e4m3, formats::ElementType::fp8e5m2, formats::ElementType::fp6e2m3,
    formats::ElementType::fp6e3m2, formats::ElementType::fp4e2m1};

const LayerOp kConv2dOp = {
    .kind = LayerKind::conv2d,
    .name = "MXFP_CONV2D",
    .json_type = "conv2d",
    .stem = "mxfp_conv2d",
    .in_key = "in_channels",
    .tosa_op = OpKind::conv2d_block_scaled,
    // EXT-MXFP-CONV (MLIR: mxfp_conv). Not part of "mxfp": the conv op had its own extension in
    // the 1.1 draft (tosa-mx-spec.md, extension history).
    .extension = "mxfp_conv",
    .payloads = kConvPayloads,
    .min_rank = 4,
    .max_rank = 4,
    .k_axis = [](size_t) -> size_t { return 1; },
    .in_width = [](const LayerGeometry& g) { return geom(g).in_channels; },
    .out_width = [](const LayerGeometry& g) { return geom(g).out_channels; },
    .fan_in =
        [](const LayerGeometry& g) {
          return geom(g).in_channels * geom(g).kernel[0] * geom(g).kernel[1];
        },
    .output_shape = output_shape,
    .weight_shape =
        [](const LayerGeometry& g) {
          const Conv2dGeom& c = geom(g);
          return std::vector<int64_t>{c.out_channels, c.in_channels, c.kernel[0], c.kernel[1]};
        },
    .stored_weight_shape =
        [](const LayerGeometry& g) {
          const Conv2dGeom& c = geom(g);
          return std::vector<int64_t>{c.out_channels, c.kernel[0], c.kernel[1], c.in_channels};
        },
    .weight_dim_names = {"out_channels", "in_channels", "KH", "KW"},
    // The op sums tap by tap with IC contiguous (OHWI): k = (ky * KW + kx) * IC + ic, which
    // torch's OIHW holds at ((o * IC + ic) * KH + ky) * KW + kx.
    .contraction_offset =
        [](const LayerGeometry& g, int64_t o, int64_t k) {
          const Conv2dGeom& c = geom(g);
          const int64_t taps = c.kernel[0] * c.kernel[1];
          return size_t((o * c.in_channels + k % c.in_channels) * taps + k / c.in_channels);
        },
    // CONV2D_BLOCK_SCALED: input[n, iy, ix, ic] has k = ((iy % KH) * KW + (ix % KW)) * IC + ic
    // (appendix_a.adoc line 181 at cd5acdd); rows are NHW pixels.
    .data_set_k =
        [](const LayerGeometry& g, const std::vector<int64_t>& nhwc, int64_t row, int64_t col) {
          const Conv2dGeom& c = geom(g);
          const int64_t iy = row / nhwc[2] % nhwc[1], ix = row % nhwc[2];
          return ((iy % c.kernel[0]) * c.kernel[1] + ix % c.kernel[1]) * c.in_channels + col;
        },
    .parse = parse,
    .write = write,
    .case_geometry = geometry_name,
    .test_geometry = geometry_name,
    .rewrite = [](const LowerOptions&) -> std::unique_ptr<Pass> {
      return std::make_unique<RewriteMxfpConv2d>();
    },
    .simpler = simpler,
    .with_widths = [](const LayerGeometry& g, int64_t in, int64_t out) -> LayerGeometry {
      Conv2dGeom c = geom(g);
      c.in_channels = in;
      c.out_channels = out;
      return c;
    },
};

}  // namespace mxconf::pipeline

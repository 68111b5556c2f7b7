// mxconf lower / dump / exec end to end, and their answers to bad input: a message, a non-zero
// exit and no output file.
#include <gtest/gtest.h>

#include <cstring>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

class PipelineCli : public CliTest {
 protected:
  void write_text(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
  }
  void write_model(const std::string& input_dtype = "fp32") const {
    write_text("in_model.json", R"({"mxconf_model": 1,
      "input": {"name": "x", "shape": [2, 3, 64], "dtype": ")" +
                                    input_dtype + R"("},
      "layers": [{"in_features": 64, "out_features": 8, "bias": true, "payload": "fp8e4m3",
                  "weights": {"seed": 3}}]})");
  }
  std::vector<uint8_t> x_npy(std::vector<int64_t> shape = {2, 3, 64}) const {
    size_t n = 1;
    for (int64_t d : shape) n *= size_t(d);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(int(i % 17) - 8) * 0.25f;
    return io::serialize_npy(io::make_npy(io::NpyDtype::f4, shape, v.data(), n * 4));
  }
  std::string read_text(const std::string& name) const {
    std::ifstream in(path(name));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

TEST_F(PipelineCli, LowerDumpExecMatchTheLibrary) {
  write_model();
  ASSERT_EQ(run("lower " + path("in_model.json") + " -o " + path("out.tosa")), 0);
  // The CLI's file is exactly what the library writes for the same model.
  const auto bytes = io::read_file(path("out.tosa"));
  EXPECT_EQ(bytes, pipeline::serialize_graph(
                       pipeline::lower_model(pipeline::load_model_file(path("in_model.json")))));

  ASSERT_EQ(std::system((std::string(MXCONF_CLI) + " dump " + path("out.tosa") + " > " +
                         path("out_dump.txt"))
                            .c_str()),
            0);
  const std::string dump = read_text("out_dump.txt");
  for (const char* w : {"TOSA 1.1.0 draft", "CAST_TO_BLOCK_SCALED", "MATMUL_T_BLOCK_SCALED",
                        "block_size=32", "FP8UE8M0", "[1,6,64]", "const, 512 bytes"}) {
    EXPECT_NE(dump.find(w), std::string::npos) << w;
  }
  ASSERT_EQ(std::system((std::string(MXCONF_CLI) + " dump --json " + path("out.tosa") + " > " +
                         path("out_dump.json"))
                            .c_str()),
            0);
  const auto j = nlohmann::json::parse(read_text("out_dump.json"));
  EXPECT_EQ(j["version"]["minor"], 1);
  EXPECT_EQ(j["operators"].size(), 12u) << "3 CONST, 3 CONST_SHAPE, 3 RESHAPE, CAST, MATMUL, ADD";

  write("in_x.npy", x_npy());
  ASSERT_EQ(run("exec " + path("out.tosa") + " --input x=" + path("in_x.npy") + " --output-dir " +
                path("out_dir")),
            0);
  const io::NpyArray y = io::read_npy(path("out_dir/y.npy"));
  EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 3, 8}));
  // Same numbers as the library's interpreter.
  const auto g = pipeline::deserialize_graph(bytes);
  const io::NpyArray x = io::read_npy(path("in_x.npy"));
  const auto outs =
      pipeline::run_graph(*g.graph, {{"x", pipeline::Value::from_f32(x.shape, x.as<float>())}});
  EXPECT_EQ(y.as<float>(), outs.at("y").f32);
}

// A conv2d model end to end: lower picks the conv target itself, dump shows the op with its
// attribute, exec's output equals the library's; a conv model the target refuses fails cleanly.
TEST_F(PipelineCli, ConvModelLowersDumpsAndExecutes) {
  write_text("in_conv.json", R"({"mxconf_model": 1,
      "input": {"shape": [1, 32, 5, 4], "dim_order": [0, 2, 3, 1]},
      "layers": [{"type": "conv2d", "in_channels": 32, "out_channels": 6, "kernel": [3, 2],
                  "padding": [1, 0], "stride": [2, 1], "bias": true, "payload": "fp6e2m3",
                  "weights": {"seed": 9}}]})");
  ASSERT_EQ(std::system((std::string(MXCONF_CLI) + " lower " + path("in_conv.json") + " -o " +
                         path("out_conv.tosa") + " > " + path("out_lower.txt"))
                            .c_str()),
            0);
  const std::string out = read_text("out_lower.txt");
  EXPECT_NE(out.find("TOSA-1.1+FP+mxfp+mxfp_conv"), std::string::npos) << out;
  EXPECT_NE(out.find("CONV2D_BLOCK_SCALED"), std::string::npos) << out;
  ASSERT_EQ(std::system((std::string(MXCONF_CLI) + " dump " + path("out_conv.tosa") + " > " +
                         path("out_conv_dump.txt"))
                            .c_str()),
            0);
  const std::string dump = read_text("out_conv_dump.txt");
  for (const char* w : {"CONV2D_BLOCK_SCALED", "block_size=32", "FP6E2M3", "[6,3,2,32]", "SHAPE"})
    EXPECT_NE(dump.find(w), std::string::npos) << w;
  write("in_xc.npy", x_npy({1, 5, 4, 32}));  // channels_last: the physical NHWC input
  ASSERT_EQ(run("exec " + path("out_conv.tosa") + " --input " + path("in_xc.npy") +
                " --output-dir " + path("out_conv_dir")),
            0);
  const io::NpyArray y = io::read_npy(path("out_conv_dir/y.npy"));
  EXPECT_EQ(y.shape, (std::vector<int64_t>{1, 6, 3, 3})) << "contiguous NCHW: OH 3, OW 3";
  const auto g = pipeline::deserialize_graph(io::read_file(path("out_conv.tosa")));
  const io::NpyArray x = io::read_npy(path("in_xc.npy"));
  const auto outs =
      pipeline::run_graph(*g.graph, {{"x", pipeline::Value::from_f32(x.shape, x.as<float>())}});
  EXPECT_EQ(y.as<float>(), outs.at("y").f32);
  std::string err;
  EXPECT_NE(run("lower " + path("in_conv.json") + " -o " + path("out_conv2.tosa") +
                    " --target TOSA-1.1+FP+mxfp",
                &err),
            0);
  EXPECT_NE(err.find("extension_mx_conv"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(path("out_conv2.tosa")));
}

TEST_F(PipelineCli, Bf16InputsUseU2Files) {
  write_model("bf16");
  ASSERT_EQ(run("lower " + path("in_model.json") + " -o " + path("out.tosa")), 0);
  std::vector<uint16_t> bits(2 * 3 * 64, 0x3F80);
  write("in_x.npy", io::serialize_npy(
                        io::make_npy(io::NpyDtype::u2, {2, 3, 64}, bits.data(), bits.size() * 2)));
  EXPECT_EQ(run("exec " + path("out.tosa") + " --input x=" + path("in_x.npy") + " --output-dir " +
                path("out_dir")),
            0);
  write("in_x.npy", x_npy());
  std::string err;
  EXPECT_NE(run("exec " + path("out.tosa") + " --input x=" + path("in_x.npy") + " --output-dir " +
                    path("out_bad"),
                &err),
            0);
  EXPECT_NE(err.find("<u2"), std::string::npos) << err;
}

TEST_F(PipelineCli, BadInputFailsCleanly) {
  write_model();
  ASSERT_EQ(run("lower " + path("in_model.json") + " -o " + path("in_good.tosa")), 0);
  const auto good = io::read_file(path("in_good.tosa"));
  write("in_x.npy", x_npy());
  write("in_x_shape.npy", x_npy({2, 64}));

  auto corrupt = good;
  for (size_t i = 16; i < corrupt.size(); i += 7) corrupt[i] ^= 0x5A;
  auto truncated = good;
  truncated.resize(good.size() / 2);
  auto wrong_id = good;
  wrong_id[5] = 'X';
  pipeline::Graph newer = *pipeline::deserialize_graph(good).graph;
  newer.version = {1, 2, 0, true};
  write("in_corrupt.tosa", corrupt);
  write("in_truncated.tosa", truncated);
  write("in_wrong_id.tosa", wrong_id);
  write("in_newer.tosa", pipeline::serialize_graph(newer));
  write_text("in_bad_model.json", R"({"mxconf_model": 1, "input": {"shape": [2, 30]},
      "layers": [{"in_features": 30, "out_features": 8, "payload": "fp8e4m3", "weights": {"seed": 1}}]})");

  const std::string out = " --output-dir " + path("out_dir");
  const std::vector<BadInput> cases = {
      {"exec " + path("in_corrupt.tosa") + " --input x=" + path("in_x.npy") + out, "error"},
      {"exec " + path("in_truncated.tosa") + " --input x=" + path("in_x.npy") + out, "malformed"},
      {"exec " + path("in_wrong_id.tosa") + " --input x=" + path("in_x.npy") + out, "identifier"},
      {"exec " + path("in_newer.tosa") + " --input x=" + path("in_x.npy") + out, "newer"},
      {"exec " + path("in_good.tosa") + " --input y=" + path("in_x.npy") + out,
       "not a graph input"},
      {"exec " + path("in_good.tosa") + " --input x=" + path("in_missing.npy") + out,
       "no such file"},
      {"exec " + path("in_good.tosa") + " --input x=" + path("in_x_shape.npy") + out, "shape"},
      {"exec " + path("in_good.tosa") + " --input x=" + path("in_good.tosa") + out, "not a .npy"},
      {"dump " + path("in_truncated.tosa"), "malformed"},
      {"lower " + path("in_bad_model.json") + " -o " + path("out.tosa"), "/layers/0/in_features"},
      {"lower " + path("in_model.json") + " -o " + path("out.tosa") + " --target TOSA-1.1+FP",
       "EXT-MX"},
  };
  expect_clean_failures(cases);
}

}  // namespace
}  // namespace mxconf::test

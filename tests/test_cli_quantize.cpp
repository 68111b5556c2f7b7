// mxconf quantize end to end: outputs checked against the oracle; every kind of bad input gives
// a message, a non-zero exit and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mxconf/io/npy.h"
#include "mxconf/oracles/block_quant.h"
#include "support/cli_fixture.h"

namespace fs = std::filesystem;

namespace mxconf::test {
namespace {

using QuantizeCli = CliTest;

std::vector<uint8_t> float_npy(std::vector<int64_t> shape, const std::vector<float>& v) {
  return io::serialize_npy(
      io::make_npy(io::NpyDtype::f4, std::move(shape), v.data(), v.size() * 4));
}

TEST_F(QuantizeCli, WritesDequantCodesAndScalesMatchingTheOracle) {
  std::vector<float> v(2 * 3 * 64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float((int(i * 37) % 101) - 50) * 0.173f;
  v[64] = 7.0f;  // a block whose rules disagree
  write("in.npy", float_npy({2, 3, 64}, v));
  for (const char* rule : {"tosa", "tosa-pre44", "ocp", "rceil"}) {
    for (const char* dtype : {"fp8e4m3", "fp8e5m2", "fp6e2m3", "fp6e3m2", "fp4e2m1"}) {
      ASSERT_EQ(run(std::string("quantize --dtype ") + dtype + " --scale-rule " + rule + " " +
                    path("in.npy") + " --dequant " + path("out.npy") + " --codes " +
                    path("codes.npy") + " --scales " + path("scales.npy")),
                0);
      const io::NpyArray out = io::read_npy(path("out.npy"));
      const io::NpyArray codes = io::read_npy(path("codes.npy"));
      const io::NpyArray scales = io::read_npy(path("scales.npy"));
      EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 3, 64}));
      EXPECT_EQ(codes.dtype, io::NpyDtype::u1);
      EXPECT_EQ(scales.shape, (std::vector<int64_t>{2, 3, 2}));
      const auto& f = *oracles::format_by_name(dtype);
      const auto policy = *oracles::parse_policy(rule);
      const auto deq = out.as<float>();
      for (size_t b = 0; b < v.size() / 32; ++b) {
        std::array<double, 32> blk;
        for (size_t i = 0; i < 32; ++i) blk[i] = v[b * 32 + i];
        const auto want = oracles::quantize_block(f, policy, blk);
        ASSERT_EQ(scales.data[b], want.scale) << dtype << " " << rule << " block " << b;
        for (size_t i = 0; i < 32; ++i) {
          ASSERT_EQ(codes.data[b * 32 + i], want.codes[i]);
          EXPECT_EQ(double(deq[b * 32 + i]),
                    f.value(want.codes[i]) * oracles::e8m0_value(want.scale));
        }
      }
    }
  }
}

// quantize works in chunks of 256 Ki elements split over the cores; an input of 3 chunks and a
// part (so two threads, and a last partial chunk) must come out as the oracle says everywhere.
TEST_F(QuantizeCli, AnInputOfManyChunksMatchesTheOracleInEveryBlock) {
  const std::vector<int64_t> shape = {3, 262144 + 96};
  std::vector<float> v(size_t(shape[0] * shape[1]));
  uint32_t state = 12345;
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = float(int32_t(state >> 8) - (1 << 23)) * 0x1p-18f;
  }
  write("in.npy", float_npy(shape, v));
  ASSERT_EQ(
      run("quantize --dtype fp6e3m2 --scale-rule rceil " + path("in.npy") + " --dequant " +
          path("out.npy") + " --codes " + path("codes.npy") + " --scales " + path("scales.npy")),
      0);
  const io::NpyArray out = io::read_npy(path("out.npy"));
  const io::NpyArray codes = io::read_npy(path("codes.npy"));
  const io::NpyArray scales = io::read_npy(path("scales.npy"));
  ASSERT_EQ(out.shape, shape);
  ASSERT_EQ(scales.shape, (std::vector<int64_t>{3, (262144 + 96) / 32}));
  const auto& f = *oracles::format_by_name("fp6e3m2");
  const auto policy = *oracles::parse_policy("rceil");
  const auto deq = out.as<float>();
  for (size_t b = 0; b < v.size() / 32; ++b) {
    std::array<double, 32> blk;
    for (size_t i = 0; i < 32; ++i) blk[i] = v[b * 32 + i];
    const auto want = oracles::quantize_block(f, policy, blk);
    ASSERT_EQ(scales.data[b], want.scale) << "block " << b;
    for (size_t i = 0; i < 32; ++i) {
      ASSERT_EQ(codes.data[b * 32 + i], want.codes[i]) << "block " << b;
      ASSERT_EQ(double(deq[b * 32 + i]), f.value(want.codes[i]) * oracles::e8m0_value(want.scale));
    }
  }
}

struct BadNpy {
  const char* name;
  std::vector<uint8_t> bytes;  // empty: the file is not created
  const char* args;
  const char* message;
};

TEST_F(QuantizeCli, BadInputFailsCleanlyWithNoOutput) {
  std::vector<float> v(64, 1.0f);
  auto good = float_npy({2, 32}, v);
  auto truncated = good;
  truncated.resize(truncated.size() - 7);
  auto odd = float_npy({2, 30}, std::vector<float>(60, 1.0f));
  auto u8 = io::serialize_npy(io::make_npy(io::NpyDtype::u1, {64}, v.data(), 64));
  std::string fortran_hdr(reinterpret_cast<const char*>(good.data()), good.size());
  fortran_hdr.replace(fortran_hdr.find("False"), 5, "True ");
  std::vector<uint8_t> fortran(fortran_hdr.begin(), fortran_hdr.end());
  const std::vector<BadNpy> cases = {
      {"missing", {}, "--dtype fp8e4m3", "no such file"},
      {"truncated", truncated, "--dtype fp8e4m3", "truncated"},
      {"not float32", u8, "--dtype fp8e4m3", "float32"},
      {"fortran", fortran, "--dtype fp8e4m3", "Fortran"},
      {"last dim 30", odd, "--dtype fp8e4m3", "multiple of 32"},
      {"unknown dtype", good, "--dtype fp8e4m4", "fp8e4m4"},
      {"unknown rule", good, "--dtype fp4e2m1 --scale-rule floor", "floor"},
  };
  for (const BadNpy& c : cases) {
    fs::remove(path("in.npy"));
    if (!c.bytes.empty()) write("in.npy", c.bytes);
    std::string err;
    const int code = run(std::string("quantize ") + c.args + " " + path("in.npy") + " --dequant " +
                             path("out.npy") + " --codes " + path("codes.npy"),
                         &err);
    EXPECT_NE(code, 0) << c.name;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.name << ": " << err;
    EXPECT_TRUE(outputs().empty()) << c.name << " left " << outputs().front();
  }
}

TEST_F(QuantizeCli, HelpExplainsTheCommand) {
  const std::string out_file = path("help.txt");
  ASSERT_EQ(std::system((std::string(MXCONF_CLI) + " quantize --help >" + out_file).c_str()), 0);
  std::ifstream in(out_file);
  const std::string help((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* word :
       {"--dtype", "--scale-rule", "--dequant", "--codes", "--scales", "multiple of 32", "rceil"}) {
    EXPECT_NE(help.find(word), std::string::npos) << word;
  }
  EXPECT_NE(run("--help"), 1);
  EXPECT_NE(run("frobnicate"), 0);
}

}  // namespace
}  // namespace mxconf::test

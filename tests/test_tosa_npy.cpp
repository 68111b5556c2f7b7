// TOSA tensors in .npy as tosa-tools stores them (runner/tosa_npy.h). The expected descrs, shapes
// and bytes are what tosa-tools 2026.5.0's serializer/numpy_utils.save_npy wrote for these types
// (checked by hand with its venv: np.save headers, pack_4bit_array / pack_6bit_array's
// b0 = v0 | v1[1:0]<<6, b1 = v1[5:2] | v2[3:0]<<4, b2 = v2[5:4] | v3<<2), never computed by the
// code under test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mxconf/io/atomic_output.h"
#include "mxconf/runner/exec_files.h"
#include "mxconf/runner/tosa_npy.h"
#include "support/npy_bytes.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

namespace fs = std::filesystem;
using pipeline::DType;

std::string header(const std::string& descr, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// An .npy file of `payload` bytes under `header_dict`.
std::string write_npy(const fs::path& dir, const std::string& name, const std::string& dict,
                      const std::vector<uint8_t>& payload) {
  fs::create_directories(dir);
  std::vector<uint8_t> bytes = npy_bytes(dict, 0);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

pipeline::Value read(const std::string& path, DType t, std::vector<int64_t> shape) {
  return runner::read_tensor_npy(io::NpyFile::open(path), pipeline::Tensor{"x", shape, t, {}},
                                 path);
}

// fp4: 16 bytes 0x10, 0x32, ... hold codes 0, 1, 2, 3, ... (even element in the low nibble).
std::vector<uint8_t> fp4_packed() {
  std::vector<uint8_t> b;
  for (int i = 0; i < 16; ++i) b.push_back(uint8_t(((2 * i + 1) & 15) << 4 | ((2 * i) & 15)));
  return b;
}

// fp6: codes 1, 2, 3, 4 pack to 0x81, 0x30, 0x10 (tosa-tools' bit order), eight times.
std::vector<uint8_t> fp6_packed() {
  std::vector<uint8_t> b;
  for (int i = 0; i < 8; ++i) b.insert(b.end(), {0x81, 0x30, 0x10});
  return b;
}

TEST(TosaNpy, LayoutsAreTosaToolsOwn) {
  struct Row {
    DType t;
    io::NpyDtype dtype;
    std::vector<int64_t> stored;  // for a [2, 32] tensor
  };
  for (const Row& r :
       {Row{DType::fp32, io::NpyDtype::f4, {2, 32}}, Row{DType::bf16, io::NpyDtype::v2, {2, 32}},
        Row{DType::fp8e4m3, io::NpyDtype::v1, {2, 32}},
        Row{DType::fp8ue8m0, io::NpyDtype::v1, {2, 32}},
        Row{DType::fp8e5m2, io::NpyDtype::u1, {2, 32}},
        Row{DType::fp6e2m3, io::NpyDtype::u1, {2, 24}},
        Row{DType::fp6e3m2, io::NpyDtype::u1, {2, 24}},
        Row{DType::fp4e2m1, io::NpyDtype::u1, {2, 16}},
        Row{DType::int32, io::NpyDtype::i4, {2, 32}},
        Row{DType::int64, io::NpyDtype::i8, {2, 32}}}) {
    const auto layout = runner::tosa_tools_layout(r.t);
    ASSERT_TRUE(layout) << name(r.t);
    EXPECT_EQ(io::descr(layout->dtype), io::descr(r.dtype)) << name(r.t);
    EXPECT_EQ(runner::stored_shape(*layout, {2, 32}), r.stored) << name(r.t);
  }
  EXPECT_EQ(io::descr(io::NpyDtype::v1), "<V1");
  EXPECT_FALSE(runner::tosa_tools_layout(DType::int16)) << "not a type exec carries";
}

// ROW_GATHER_BLOCK_SCALED's indices: INT32 <i4 and INT64 <i8 (numpy's own descr), widened.
TEST(TosaNpy, IndicesAreReadAsIntegers) {
  const fs::path dir = scratch_dir("tosa_npy_ints");
  const std::vector<uint8_t> i4 = {3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};  // 3, -1
  const pipeline::Value a =
      read(write_npy(dir, "i4.npy", header("<i4", "(1, 2)"), i4), DType::int32, {1, 2});
  EXPECT_EQ(a.ints, (std::vector<int64_t>{3, -1}));
  std::vector<uint8_t> i8(16, 0);
  i8[0] = 7;
  i8[8] = 2;
  const pipeline::Value b =
      read(write_npy(dir, "i8.npy", header("<i8", "(2,)"), i8), DType::int64, {2});
  EXPECT_EQ(b.ints, (std::vector<int64_t>{7, 2}));
  // An <i8 file for an INT32 input is refused, naming both.
  EXPECT_THROW(read(write_npy(dir, "wrong.npy", header("<i8", "(2,)"), i8), DType::int32, {2}),
               runner::ExecInputError);
}

TEST(TosaNpy, PackedPayloadsAreReadAsTosaToolsPacksThem) {
  const fs::path dir = scratch_dir("tosa_npy_read");
  const pipeline::Value fp4 = read(
      write_npy(dir, "fp4.npy", header("|u1", "(1, 16)"), fp4_packed()), DType::fp4e2m1, {1, 32});
  ASSERT_EQ(fp4.codes.size(), 32u);
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(fp4.codes.data()[i], i & 15) << i;

  const pipeline::Value fp6 = read(
      write_npy(dir, "fp6.npy", header("|u1", "(1, 24)"), fp6_packed()), DType::fp6e3m2, {1, 32});
  ASSERT_EQ(fp6.codes.size(), 32u);
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(fp6.codes.data()[i], 1 + i % 4) << i;

  // fp8e4m3 as '<V1' and E8M0 as '|V1' or '<V1': the bytes are the codes.
  std::vector<uint8_t> bytes(32);
  for (size_t i = 0; i < 32; ++i) bytes[i] = uint8_t(0x38 + i);
  const pipeline::Value fp8 =
      read(write_npy(dir, "fp8.npy", header("<V1", "(1, 32)"), bytes), DType::fp8e4m3, {1, 32});
  EXPECT_EQ(std::vector<uint8_t>(fp8.codes.data(), fp8.codes.data() + 32), bytes);
  const pipeline::Value e8m0 =
      read(write_npy(dir, "e8m0.npy", header("|V1", "(1, 1)"), {127}), DType::fp8ue8m0, {1, 1});
  EXPECT_EQ(e8m0.codes.data()[0], 127);

  // mxconf's own unpacked codes are taken too.
  std::vector<uint8_t> unpacked(32);
  for (size_t i = 0; i < 32; ++i) unpacked[i] = uint8_t(i % 16);
  const pipeline::Value fp4u =
      read(write_npy(dir, "fp4u.npy", header("|u1", "(1, 32)"), unpacked), DType::fp4e2m1, {1, 32});
  EXPECT_EQ(std::vector<uint8_t>(fp4u.codes.data(), fp4u.codes.data() + 32), unpacked);
}

TEST(TosaNpy, WhatCannotBeReadIsNamed) {
  const fs::path dir = scratch_dir("tosa_npy_bad");
  std::vector<uint8_t> codes(32, 0);
  codes[5] = 16;  // not a 4-bit code
  try {
    read(write_npy(dir, "big.npy", header("|u1", "(1, 32)"), codes), DType::fp4e2m1, {1, 32});
    FAIL() << "a code of 16 was taken as fp4";
  } catch (const runner::ExecInputError& e) {
    EXPECT_NE(std::string(e.what()).find("element 5 of the file is 16, not a 4-bit code"),
              std::string::npos)
        << e.what();
  }
  try {
    read(write_npy(dir, "f4.npy", header("<f4", "(1, 8)"), std::vector<uint8_t>(32)),
         DType::fp6e2m3, {1, 32});
    FAIL() << "a float file was taken as fp6";
  } catch (const runner::ExecInputError& e) {
    EXPECT_NE(std::string(e.what()).find("(want |u1[1,24] packed, or |u1[1,32] unpacked codes)"),
              std::string::npos)
        << e.what();
  }
}

TEST(TosaNpy, OutputsAreWrittenInTosaToolsLayouts) {
  const fs::path dir = scratch_dir("tosa_npy_write");
  fs::create_directories(dir);
  pipeline::Value fp4;
  fp4.dtype = DType::fp4e2m1;
  fp4.shape = {1, 32};
  std::vector<uint8_t> codes(32);
  for (size_t i = 0; i < 32; ++i) codes[i] = uint8_t(i & 15);
  fp4.codes = pipeline::Buffer<uint8_t>(codes);
  const pipeline::Value bf16 = pipeline::Value::from_bf16({2}, std::vector<uint16_t>{0x3f80, 0});
  io::AtomicOutputs out;
  runner::stage_tensor_npy(out, (dir / "fp4.npy").string(), "y", fp4);
  runner::stage_tensor_npy(out, (dir / "bf16.npy").string(), "z", bf16);
  out.commit();
  const io::NpyFile a = io::NpyFile::open((dir / "fp4.npy").string());
  EXPECT_EQ(io::descr(a.dtype()), "|u1");
  EXPECT_EQ(a.shape(), (std::vector<int64_t>{1, 16}));
  const auto v = a.values<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()), fp4_packed());
  const io::NpyFile b = io::NpyFile::open((dir / "bf16.npy").string());
  EXPECT_EQ(io::descr(b.dtype()), "<V2") << "what tosa_verify takes as BF16";
}

}  // namespace
}  // namespace mxconf::test

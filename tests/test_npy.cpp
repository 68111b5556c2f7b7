#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "support/npy_bytes.h"

namespace mxconf::io {
namespace {

using test::npy_bytes;

TEST(Npy, ReadsWhatNumpyWrites) {
  const auto bytes = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 32), }", 256);
  const NpyArray a = parse_npy(bytes);
  EXPECT_EQ(a.dtype, NpyDtype::f4);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(a.data.size(), 256u);
  const auto one = npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 5);
  EXPECT_EQ(parse_npy(one).shape, (std::vector<int64_t>{5}));
}

TEST(Npy, RoundTripsEveryRank) {
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{32}, std::vector<int64_t>{2, 32}, std::vector<int64_t>{2, 3, 64},
        std::vector<int64_t>{1, 2, 2, 32}}) {
    size_t n = 1;
    for (int64_t d : shape) n *= size_t(d);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(i) * 0.5f - 3.0f;
    const auto bytes = serialize_npy(make_npy(NpyDtype::f4, shape, v.data(), n * 4));
    EXPECT_EQ(bytes.size() % 64, (n * 4) % 64) << "header padded to 64 bytes";
    const NpyArray back = parse_npy(bytes);
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.as<float>(), v);
  }
}

void expect_error(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    parse_npy(bytes, "x.npy");
    ADD_FAILURE() << "no error, wanted: " << needle;
  } catch (const NpyError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.npy"), std::string::npos) << "names the file";
  }
}

TEST(Npy, RejectsBadInputWithAClearMessage) {
  expect_error({1, 2, 3}, "not a .npy");
  auto good = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 32), }", 256);
  good.resize(good.size() - 1);
  expect_error(good, "truncated data");
  auto header_cut = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 32), }", 0);
  header_cut.resize(40);
  expect_error(header_cut, "truncated header");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 32), }", 256),
               "Fortran");
  expect_error(npy_bytes("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", 4),
               "unsupported dtype '<i2'");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12),
               "trailing bytes");
  expect_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (4611686018427387904, 4), }",
                         16),
               "truncated data");
  expect_error(npy_bytes("{'descr': '<f4', 'shape': (2,), }", 8), "lacks");
  try {
    read_npy("/nonexistent/dir/a.npy");
    ADD_FAILURE();
  } catch (const NpyError& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos);
  }
}

TEST(AtomicOutputs, UncommittedStagingLeavesNothing) {
  const auto dir = std::filesystem::temp_directory_path() / "mxconf_atomic_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<uint8_t> bytes = {1, 2, 3};
  {
    AtomicOutputs out;
    out.stage((dir / "a.bin").string(), bytes);
    // destroyed without commit, as on an error
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    AtomicOutputs out;
    out.stage((dir / "a.bin").string(), bytes);
    out.commit();
  }
  EXPECT_EQ(read_file((dir / "a.bin").string()), bytes);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mxconf::io

// The big-tensor paths of io/: mapped inputs, streamed and gathered outputs. Every malformed file
// must still fail with a clear error before any byte past its end is read (ASan runs these too).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/mapped_file.h"
#include "mxconf/io/npy.h"
#include "support/npy_bytes.h"
#include "support/scratch_dir.h"

namespace mxconf::io {
namespace {

namespace fs = std::filesystem;

class MappedIo : public test::ScratchDirTest {
 protected:
  template <typename F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
};

std::vector<uint8_t> f4_npy(const std::vector<int64_t>& shape, const std::vector<float>& v) {
  return serialize_npy(make_npy(NpyDtype::f4, shape, v.data(), v.size() * 4));
}

TEST_F(MappedIo, MapsAWholeFileAndRejectsWhatIsNotOne) {
  write("a.bin", {1, 2, 3, 4, 5});
  const auto m = MappedFile::open(path("a.bin"));
  EXPECT_EQ(std::vector<uint8_t>(m->bytes().begin(), m->bytes().end()),
            (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  write("empty.bin", {});
  EXPECT_TRUE(MappedFile::open(path("empty.bin"))->bytes().empty());
  EXPECT_NE(error_of([&] { MappedFile::open(path("missing.bin")); }).find("no such file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { MappedFile::open(dir_.string()); }).find("not a file"),
            std::string::npos);
  // A FIFO is refused at once (opened non-blocking), not waited on.
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  EXPECT_NE(error_of([&] { MappedFile::open(path("fifo")); }).find("not a file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_file(path("fifo")); }).find("not a file"), std::string::npos);
}

TEST_F(MappedIo, AFileThatShrinksBetweenOpenAndReadIsAnErrorNotACrash) {
  // The file is sized (as open() does with fstat), then truncated before it is mapped and read.
  std::vector<uint8_t> big(3 * 4096 + 100, 7);
  write("shrinks.bin", big);
  const int fd = ::open(path("shrinks.bin").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  ASSERT_EQ(::truncate(path("shrinks.bin").c_str(), 10), 0);
  const std::string e =
      error_of([&] { MappedFile::map_fd(fd, uint64_t(st.st_size), path("shrinks.bin")); });
  ::close(fd);
  EXPECT_NE(e.find("changed size while being read"), std::string::npos) << e;
  EXPECT_NE(e.find("shrinks.bin"), std::string::npos) << "names the file: " << e;
}

TEST_F(MappedIo, AnNpyFileThatShrinksAfterItsHeaderWasReadIsAnErrorNotACrash) {
  std::vector<float> v(3 * 4096);
  write("x.npy", f4_npy({3, 4096}, v));
  const NpyFile f = NpyFile::open(path("x.npy"));  // header checked, data not read yet
  ASSERT_EQ(::truncate(path("x.npy").c_str(), 4096 + 64), 0);
  const std::string e = error_of([&] { f.values<float>(); });
  EXPECT_NE(e.find("changed size while being read"), std::string::npos) << e;
  EXPECT_NE(e.find("x.npy"), std::string::npos) << e;
}

TEST_F(MappedIo, NpyFileUsesTheMappedValuesInPlace) {
  std::vector<float> v(4096);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.25f - 100.0f;
  write("x.npy", f4_npy({64, 64}, v));
  const NpyFile f = NpyFile::open(path("x.npy"));
  EXPECT_TRUE(f.mapped());
  EXPECT_EQ(f.shape(), (std::vector<int64_t>{64, 64}));
  const auto values = f.values<float>();
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()), v);
  // Giving the mapped pages back (as CAST_TO_BLOCK_SCALED does with a mapped input) keeps the
  // values readable: they come back from the page cache.
  release_file_pages(values.data(), values.size_bytes());
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()), v);
}

TEST_F(MappedIo, AMisalignedNpyIsCopiedOnceAndStillReads) {
  // A header whose length leaves the data at an odd offset: legal, though NumPy never writes it.
  // (npy_bytes pads to 64; cut one pad space and fix the length byte.)
  std::vector<uint8_t> raw =
      test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0);
  raw.erase(raw.end() - 2);
  raw[8] = uint8_t(raw[8] - 1);
  const float v[3] = {1.5f, -2.0f, 3.25f};
  const auto* vb = reinterpret_cast<const uint8_t*>(v);
  for (size_t i = 0; i < sizeof(v); ++i) raw.push_back(vb[i]);
  write("odd.npy", raw);
  const NpyFile f = NpyFile::open(path("odd.npy"));
  EXPECT_FALSE(f.mapped());
  const auto values = f.values<float>();
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()),
            (std::vector<float>{1.5f, -2.0f, 3.25f}));
}

TEST_F(MappedIo, EveryTruncationOfASmallNpyFileIsRejected) {
  const auto good = f4_npy({2, 32}, std::vector<float>(64, 1.0f));
  for (size_t cut = 0; cut < good.size(); ++cut) {
    write("cut.npy", std::vector<uint8_t>(good.begin(), good.begin() + long(cut)));
    const std::string e = error_of([&] { NpyFile::open(path("cut.npy")); });
    EXPECT_NE(e.find("cut.npy"), std::string::npos) << "cut at " << cut << ": '" << e << "'";
  }
  write("whole.npy", good);
  EXPECT_EQ(NpyFile::open(path("whole.npy")).element_count(), 64u);
}

TEST_F(MappedIo, AHeaderThatDeclaresMoreDataThanTheFileHoldsIsRejected) {
  // The header says 4096 x 4096 floats (64 MiB); the file holds 256 bytes of data.
  write("liar.npy",
        test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4096, 4096), }", 256));
  const std::string e = error_of([&] { NpyFile::open(path("liar.npy")); });
  EXPECT_NE(e.find("truncated data"), std::string::npos) << e;
  // And one that declares fewer elements than the data holds.
  auto small = f4_npy({2, 32}, std::vector<float>(64, 1.0f));
  small.insert(small.end(), 8, 0);
  write("long.npy", small);
  EXPECT_NE(error_of([&] { NpyFile::open(path("long.npy")); }).find("trailing bytes"),
            std::string::npos);
}

TEST_F(MappedIo, StreamedAndGatheredOutputsAreAllOrNothing) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {4, 5}, c = {6};
  {
    AtomicOutputs out;
    AtomicOutputs::Stream s = out.open(path("streamed.bin"));
    s.write(a);
    s.write(b);
    out.stage(path("gathered.bin"), {a, b, c});
    // destroyed without commit, as on an error or an interrupt
  }
  EXPECT_TRUE(fs::is_empty(dir_)) << "no staged file is left behind";
  {
    AtomicOutputs out;
    AtomicOutputs::Stream s = out.open(path("streamed.bin"));
    s.write(a);
    s.write(b);
    out.stage(path("gathered.bin"), {a, b, c});
    out.commit();
  }
  EXPECT_EQ(read_file(path("streamed.bin")), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(read_file(path("gathered.bin")), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(fs::status(path("gathered.bin")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST_F(MappedIo, StageNpyWritesWhatSerializeNpyWrites) {
  std::vector<float> v(96);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) - 7.5f;
  {
    AtomicOutputs out;
    stage_npy(out, path("y.npy"), NpyDtype::f4, {3, 32}, bytes_of(v));
    out.commit();
  }
  EXPECT_EQ(read_file(path("y.npy")), f4_npy({3, 32}, v));
  AtomicOutputs out;
  EXPECT_NE(error_of([&] {
              stage_npy(out, path("bad.npy"), NpyDtype::f4, {4, 32}, bytes_of(v));
            }).find("do not fill the shape"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(path("bad.npy")));
}

}  // namespace
}  // namespace mxconf::io

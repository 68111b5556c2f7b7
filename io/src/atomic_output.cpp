#include "mxconf/io/atomic_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mxconf::io {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

AtomicOutputs::~AtomicOutputs() {
  for (const Staged& s : staged_) ::unlink(s.tmp.c_str());
}

void AtomicOutputs::stage(const std::string& path, std::span<const uint8_t> bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + errno_text());
  staged_.push_back({tmp, path});
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + why);
    }
    done += size_t(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw std::runtime_error("cannot flush " + path + ": " + errno_text());
  }
}

void AtomicOutputs::commit() {
  for (const Staged& s : staged_) {
    if (::rename(s.tmp.c_str(), s.dest.c_str()) != 0) {
      throw std::runtime_error("cannot move " + s.tmp + " to " + s.dest + ": " + errno_text());
    }
  }
  staged_.clear();
}

void write_file_atomic(const std::string& path, std::span<const uint8_t> bytes) {
  AtomicOutputs out;
  out.stage(path, bytes);
  out.commit();
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error(path + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path + ": " + errno_text());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return bytes;
}

}  // namespace mxconf::io

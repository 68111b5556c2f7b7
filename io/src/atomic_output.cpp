#include "mxconf/io/atomic_output.h"

#include <filesystem>

#include "regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace mxconf::io {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

AtomicOutputs::~AtomicOutputs() {
  for (const Staged& s : staged_) {
    if (s.fd >= 0) ::close(s.fd);
    ::unlink(s.tmp.c_str());
  }
}

size_t AtomicOutputs::create(const std::string& path) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + errno_text());
  staged_.push_back({tmp, path, fd});
  return staged_.size() - 1;
}

void AtomicOutputs::write_all(size_t i, std::initializer_list<std::span<const uint8_t>> pieces) {
  std::vector<iovec> iov;
  for (const auto& p : pieces) {
    if (!p.empty()) iov.push_back({const_cast<uint8_t*>(p.data()), p.size()});
  }
  size_t first = 0;
  while (first < iov.size()) {
    const int count = int(std::min<size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::writev(staged_[i].fd, iov.data() + first, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + staged_[i].dest + ": " + errno_text());
    }
    // Advance past what was written (writev may stop short, e.g. on a full disk or past 2 GiB).
    size_t done = size_t(n);
    while (first < iov.size() && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
}

void AtomicOutputs::finish(size_t i) {
  Staged& s = staged_[i];
  ::fchmod(s.fd, 0644);
  const int synced = ::fsync(s.fd);
  const int sync_errno = errno;
  const int closed = ::close(s.fd);
  const int close_errno = errno;
  s.fd = -1;
  if (synced != 0 || closed != 0) {
    throw std::runtime_error("cannot flush " + s.dest + ": " +
                             std::strerror(synced != 0 ? sync_errno : close_errno));
  }
}

void AtomicOutputs::stage(const std::string& path, std::span<const uint8_t> bytes) {
  stage(path, {bytes});
}

void AtomicOutputs::stage(const std::string& path,
                          std::initializer_list<std::span<const uint8_t>> pieces) {
  const size_t i = create(path);
  write_all(i, pieces);
  finish(i);
}

AtomicOutputs::Stream AtomicOutputs::open(const std::string& path) {
  return Stream(this, create(path));
}

void AtomicOutputs::Stream::write(std::span<const uint8_t> bytes) {
  if (out_->staged_[index_].fd < 0)
    throw std::logic_error("write to " + out_->staged_[index_].dest + " after commit");
  out_->write_all(index_, {bytes});
}

void AtomicOutputs::Stream::write_at(uint64_t offset, std::span<const uint8_t> bytes) const {
  const Staged& s = out_->staged_[index_];
  if (s.fd < 0) throw std::logic_error("write to " + s.dest + " after commit");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(s.fd, bytes.data() + done, bytes.size() - done, off_t(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + s.dest + ": " + errno_text());
    }
    done += size_t(n);
  }
#ifdef __linux__
  // Start writing these pages back now, without waiting: the fsync at commit() then waits for
  // the tail only, instead of for the whole file after the last byte is produced.
  ::sync_file_range(s.fd, off_t(offset), off_t(bytes.size()), SYNC_FILE_RANGE_WRITE);
#endif
}

void AtomicOutputs::commit() {
  for (size_t i = 0; i < staged_.size(); ++i) {
    if (staged_[i].fd >= 0) finish(i);
  }
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

void write_text_atomic(const std::string& path, std::string_view text) {
  write_file_atomic(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

void write_directory_atomic(const std::string& dir,
                            const std::function<void(const std::string& staging)>& fill) {
  namespace fs = std::filesystem;
  const fs::path final_dir(dir);
  if (fs::exists(final_dir)) throw std::runtime_error(dir + " exists");
  // (Appended piecewise: GCC 12 misreads "." + name + ".partial" as an overlapping copy.)
  std::string stage_name = ".";
  stage_name += final_dir.filename().string();
  stage_name += ".partial";
  const fs::path stage = final_dir.parent_path() / stage_name;
  fs::remove_all(stage);
  try {
    fs::create_directories(stage);
    fill(stage.string());
    fs::rename(stage, final_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(stage, ec);  // no half-written directory
    throw;
  }
}

std::vector<uint8_t> read_file(const std::string& path) {
  const detail::RegularFile f(path);
  std::vector<uint8_t> bytes(size_t(f.size()));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(f.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot read " + path + ": " + errno_text());
    if (n == 0) throw std::runtime_error(path + ": the file changed size while being read");
    done += size_t(n);
  }
  uint8_t extra;
  if (::read(f.fd(), &extra, 1) > 0)
    throw std::runtime_error(path + ": the file changed size while being read");
  return bytes;
}

}  // namespace mxconf::io

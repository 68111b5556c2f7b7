#include "mxconf/io/mapped_file.h"

#include "regular_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

namespace mxconf::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + ": " + why);
}

}  // namespace

namespace detail {

RegularFile::RegularFile(const std::string& path) {
  // O_NONBLOCK: a FIFO is refused below instead of blocking the open.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) {
    if (errno == ENOENT) fail(path, "no such file");
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fail(path, "cannot stat: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fail(path, "not a file");
  }
  size_ = uint64_t(st.st_size);
}

RegularFile::~RegularFile() {
  ::close(fd_);
}

}  // namespace detail

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, bool populate) {
  const detail::RegularFile f(path);
  return map_fd(f.fd(), f.size(), path, populate);
}

std::shared_ptr<const MappedFile> MappedFile::map_fd(int fd, uint64_t size, const std::string& path,
                                                     bool populate) {
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0, path));
  void* p = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
  std::shared_ptr<const MappedFile> m(new MappedFile(static_cast<const uint8_t*>(p), size, path));
  if (populate) m->populate(0, size_t(size));
  return m;
}

void MappedFile::populate(size_t offset, size_t length) const {
  if (offset >= size_ || length == 0) return;
  length = std::min(length, size_ - offset);
  const size_t page = size_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data_) + offset) / page * page;
  const uintptr_t end = reinterpret_cast<uintptr_t>(data_) + offset + length;
  // If the file is now shorter than the mapping, the pages past its end cannot be populated and
  // this fails (EFAULT) instead of a later SIGBUS.
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ) == 0) return;
  if (errno == EFAULT) fail(path_, "the file changed size while being read");
  if (errno != EINVAL) fail(path_, std::string("cannot read: ") + std::strerror(errno));
  // EINVAL: a kernel before 5.14 has no MADV_POPULATE_READ; check the size again instead.
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0 || uint64_t(st.st_size) < size_)
    fail(path_, "the file changed size while being read");
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

std::shared_ptr<void> allocate(size_t bytes, bool populate) {
  constexpr size_t kMapFrom = size_t{1} << 20;
  if (bytes < kMapFrom) {
    // Default-initialized: no zeroing pass over memory that is about to be written.
    return std::shared_ptr<void>(new uint64_t[(bytes + 7) / 8],
                                 [](void* p) { delete[] static_cast<uint64_t*>(p); });
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

void release_file_pages(const void* p, size_t bytes) {
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace mxconf::io

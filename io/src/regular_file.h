// Internal to io/: the one way its readers open an input file (read_file's sized read and
// MappedFile's mapping), so both refuse the same things with the same messages.
#pragma once

#include <cstdint>
#include <string>

namespace mxconf::io::detail {

// An open, read-only descriptor of a regular file and the size fstat saw; closed on destruction.
class RegularFile {
 public:
  // Throws std::runtime_error naming the path: no such file, cannot open, cannot stat, or not a
  // file (directories, devices; a FIFO is refused at once, opened non-blocking, not waited on).
  explicit RegularFile(const std::string& path);
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace mxconf::io::detail

// A whole regular file, read-only, mapped into memory: no copy, and the time to the first byte does
// not grow with the file. Pages are populated in bulk (one call instead of a fault per 4 KiB page,
// which costs microseconds each in a VM): the whole file at open, or, for a reader that checks a
// header first, the range it is about to use (populate()). A file that shrank after it was sized
// is reported there, as an error naming the file, instead of as SIGBUS on first use.
//
// Caveat (documented, not handled): a file truncated by another process *while* mxconf reads it
// still raises SIGBUS on the next touch of a vanished page, as with every mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace mxconf::io {

class MappedFile {
 public:
  // Throws std::runtime_error: missing, not a regular file, unreadable, or changed size while
  // being mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path, bool populate = true);
  // The same from an open descriptor whose size the caller saw as `size` (the seam the "shrinks
  // between open and read" test uses). Does not take ownership of fd.
  static std::shared_ptr<const MappedFile> map_fd(int fd, uint64_t size, const std::string& path,
                                                  bool populate = true);

  // Faults [offset, offset + length) in, in one call. Throws std::runtime_error naming the file if
  // the file no longer holds those bytes.
  void populate(size_t offset, size_t length) const;

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const uint8_t* data, size_t size, std::string path)
      : data_(data), size_(size), path_(std::move(path)) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Memory for results of the same sizes, uninitialized. 1 MiB and more is mapped; with `populate`
// its pages are faulted in one call (a first-touch fault per 4 KiB page costs microseconds in a
// VM; see docs/performance.md), without it they arrive as they are written, which keeps the
// resident set of a producer that frees its input as it goes small. Throws std::bad_alloc.
std::shared_ptr<void> allocate(size_t bytes, bool populate);
// MADV_DONTNEED on the whole pages inside [p, p + bytes). Only for private, never-written file
// mappings, where the bytes stay readable (they fault in again from the page cache): lets a
// streaming consumer of a mapped input keep its resident set to what it is working on.
void release_file_pages(const void* p, size_t bytes);

}  // namespace mxconf::io

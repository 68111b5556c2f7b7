// All-or-nothing output files: every file of a command is staged next to its destination and
// renamed into place only when the whole command succeeded. An error or an interrupt leaves no
// half-written file behind (the staged temporaries are removed by the destructor).
//
// Data goes from the caller's buffers straight into the staged file (writev of the pieces; or a
// stream of pieces for results produced in chunks): no copy into one serialized buffer first.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxconf::io {

// The bytes of a contiguous container of trivially copyable values (vector, span, Buffer).
template <typename C>
std::span<const uint8_t> bytes_of(const C& c) {
  return {reinterpret_cast<const uint8_t*>(c.data()), c.size() * sizeof(*c.data())};
}

class AtomicOutputs {
 public:
  AtomicOutputs() = default;
  AtomicOutputs(const AtomicOutputs&) = delete;
  AtomicOutputs& operator=(const AtomicOutputs&) = delete;
  ~AtomicOutputs();  // removes staged files that were not committed

  // Writes the pieces, in order, to a temporary beside `path` (flushed and fsynced). Throws
  // std::runtime_error naming the path.
  void stage(const std::string& path, std::span<const uint8_t> bytes);
  void stage(const std::string& path, std::initializer_list<std::span<const uint8_t>> pieces);

  // A staged file written piece by piece (streaming producers); flushed at commit().
  class Stream {
   public:
    void write(std::span<const uint8_t> bytes);  // appends
    // Writes at a byte offset (pwrite): producers on several threads fill disjoint ranges of one
    // file without ordering their writes. Safe to call concurrently for one stream.
    void write_at(uint64_t offset, std::span<const uint8_t> bytes) const;

   private:
    friend class AtomicOutputs;
    Stream(AtomicOutputs* o, size_t i) : out_(o), index_(i) {}
    AtomicOutputs* out_;
    size_t index_;
  };
  Stream open(const std::string& path);

  // Flushes open streams, then renames every staged file onto its destination.
  void commit();

 private:
  struct Staged {
    std::string tmp, dest;
    int fd = -1;  // open while streamed
  };
  size_t create(const std::string& path);
  void write_all(size_t i, std::initializer_list<std::span<const uint8_t>> pieces);
  void finish(size_t i);
  std::vector<Staged> staged_;
};

// One file, written atomically.
void write_file_atomic(const std::string& path, std::span<const uint8_t> bytes);
void write_text_atomic(const std::string& path, std::string_view text);
// A directory written all or nothing: `fill` writes into a staging sibling (".NAME.partial", left
// over from an earlier interrupted attempt or not), which is renamed onto `dir` when fill returns,
// and removed when it throws (the exception goes on). Throws std::runtime_error when `dir`
// exists.
void write_directory_atomic(const std::string& dir,
                            const std::function<void(const std::string& staging)>& fill);
// The whole file with one sized read into its final buffer. Throws std::runtime_error naming the
// path: missing, not a regular file, unreadable, or changed size while being read.
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace mxconf::io

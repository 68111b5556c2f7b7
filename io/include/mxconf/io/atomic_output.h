// All-or-nothing output files: every file of a command is staged next to its destination and
// renamed into place only when the whole command succeeded. An error or an interrupt leaves no
// half-written file behind (the staged temporaries are removed by the destructor).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mxconf::io {

class AtomicOutputs {
 public:
  AtomicOutputs() = default;
  AtomicOutputs(const AtomicOutputs&) = delete;
  AtomicOutputs& operator=(const AtomicOutputs&) = delete;
  ~AtomicOutputs();  // removes staged files that were not committed

  // Writes bytes to a temporary beside `path` (flushed and fsynced). Throws std::runtime_error.
  void stage(const std::string& path, std::span<const uint8_t> bytes);
  // Renames every staged file onto its destination.
  void commit();

 private:
  struct Staged {
    std::string tmp, dest;
  };
  std::vector<Staged> staged_;
};

// One file, written atomically.
void write_file_atomic(const std::string& path, std::span<const uint8_t> bytes);
std::vector<uint8_t> read_file(const std::string& path);  // throws std::runtime_error

}  // namespace mxconf::io

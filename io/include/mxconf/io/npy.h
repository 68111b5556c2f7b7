// The project's own small .npy reader/writer (NumPy format versions 1.0-3.0, C order only).
// dtypes: float32 '<f4', uint8 '|u1', uint16 '<u2' (raw bf16 bits, see docs/io-formats.md),
// float64 '<f8', and '<V2': two raw bytes, what NumPy writes for ml_dtypes' bfloat16 (the form the
// TOSA tooling reads BF16 tensors in; mxconf reads it as bf16 bits).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mxconf::io {

class MappedFile;

// v1 and v2: NumPy's opaque void types, as ml_dtypes' fp8e4m3/E8M0 and bfloat16 arrays are
// saved (tosa-tools' numpy_utils.save_npy: '<V1', '<V2').
enum class NpyDtype : uint8_t { f4, f8, u1, u2, v2, v1, i4, i8 };

std::string descr(NpyDtype d);
size_t itemsize(NpyDtype d);
size_t element_count(const std::vector<int64_t>& shape);  // the product of the dimensions

struct NpyArray {
  NpyDtype dtype = NpyDtype::f4;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // little-endian, C order

  size_t element_count() const { return io::element_count(shape); }
  template <typename T>
  std::vector<T> as() const;  // copies; T must match the dtype's item size
};

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An array inside bytes someone else holds: every check of parse_npy done, nothing copied.
struct NpyView {
  NpyDtype dtype = NpyDtype::f4;
  std::vector<int64_t> shape;
  std::span<const uint8_t> data;  // exactly element_count() * itemsize(dtype) bytes
  size_t element_count() const { return io::element_count(shape); }
};

// Throws NpyError naming the file and what is wrong (missing, truncated, bad header, Fortran
// order, unsupported dtype, size mismatch). The bounds checks all come before any use of the data.
NpyView parse_npy_view(std::span<const uint8_t> bytes, const std::string& what = "input");
NpyArray read_npy(const std::string& path);  // a copy; small files
NpyArray parse_npy(std::span<const uint8_t> bytes, const std::string& what = "input");

// A .npy file mapped read-only (io/mapped_file.h) and used in place: the values are the file's
// pages, with no read into a buffer and no conversion copy. (Only if the data is misaligned for
// its type, which NumPy never writes, is it copied once into an aligned buffer.)
class NpyFile {
 public:
  static NpyFile open(const std::string& path);  // throws NpyError
  NpyDtype dtype() const { return view_.dtype; }
  const std::vector<int64_t>& shape() const { return view_.shape; }
  size_t element_count() const { return view_.element_count(); }
  // T must match the dtype's item size. The first call faults the data in, in one call (so a
  // header is checked, and a file rejected on its shape, without reading the data): it throws
  // NpyError if the file shrank since it was opened. Call it once before sharing across threads.
  template <typename T>
  std::span<const T> values() const;
  // Keeps the storage alive; a shared owner for views of values().
  const std::shared_ptr<const void>& owner() const { return owner_; }
  // True when values() are the mapped file's pages (false only for the misaligned copy).
  bool mapped() const { return file_ != nullptr; }

 private:
  void populate() const;
  std::shared_ptr<const MappedFile> file_;  // null when the data was copied
  std::shared_ptr<const void> owner_;       // file_, or the copy
  NpyView view_;
  mutable bool populated_ = false;
};

class AtomicOutputs;
// Stages a .npy file: the header, then `data` straight from the caller's buffer (no serialized
// copy). Throws NpyError when data does not hold shape's elements of dtype.
void stage_npy(AtomicOutputs& out, const std::string& path, NpyDtype dtype,
               const std::vector<int64_t>& shape, std::span<const uint8_t> data);

// The header bytes (magic through the padded '\n'), so that header + data is the whole file.
std::string npy_header(NpyDtype dtype, const std::vector<int64_t>& shape);
std::vector<uint8_t> serialize_npy(const NpyArray& a);
NpyArray make_npy(NpyDtype dtype, std::vector<int64_t> shape, const void* data, size_t bytes);

template <typename T>
std::span<const T> NpyFile::values() const {
  if (sizeof(T) != itemsize(view_.dtype))
    throw NpyError("npy: element type does not match " + descr(view_.dtype));
  if (!populated_) populate();
  return {reinterpret_cast<const T*>(view_.data.data()), view_.element_count()};
}

template <typename T>
std::vector<T> NpyArray::as() const {
  if (sizeof(T) != itemsize(dtype))
    throw NpyError("npy: element type does not match " + descr(dtype));
  std::vector<T> out(element_count());
  if (!out.empty()) std::memcpy(out.data(), data.data(), data.size());
  return out;
}

}  // namespace mxconf::io

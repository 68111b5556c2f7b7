// The project's own small .npy reader/writer (NumPy format versions 1.0-3.0, C order only).
// dtypes: float32 '<f4', uint8 '|u1', uint16 '<u2' (raw bf16 bits, see docs/io-formats.md),
// float64 '<f8', and '<V2': two raw bytes, what NumPy writes for ml_dtypes' bfloat16 (the form the
// TOSA tooling reads BF16 tensors in; mxconf reads it as bf16 bits).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mxconf::io {

enum class NpyDtype : uint8_t { f4, f8, u1, u2, v2 };

std::string descr(NpyDtype d);
size_t itemsize(NpyDtype d);

struct NpyArray {
  NpyDtype dtype = NpyDtype::f4;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // little-endian, C order

  size_t element_count() const;
  template <typename T>
  std::vector<T> as() const;  // copies; T must match the dtype's item size
};

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws NpyError naming the file and what is wrong (missing, truncated, bad header, Fortran
// order, unsupported dtype, size mismatch).
NpyArray read_npy(const std::string& path);
NpyArray parse_npy(std::span<const uint8_t> bytes, const std::string& what = "input");

std::vector<uint8_t> serialize_npy(const NpyArray& a);
NpyArray make_npy(NpyDtype dtype, std::vector<int64_t> shape, const void* data, size_t bytes);

template <typename T>
std::vector<T> NpyArray::as() const {
  if (sizeof(T) != itemsize(dtype))
    throw NpyError("npy: element type does not match " + descr(dtype));
  std::vector<T> out(element_count());
  if (!out.empty()) std::memcpy(out.data(), data.data(), data.size());
  return out;
}

}  // namespace mxconf::io

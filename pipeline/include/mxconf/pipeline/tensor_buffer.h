// The storage of one interpreter value. Immutable once made and shared by every Value that holds
// it, so copying a Value (RESHAPE's view, the graph inputs handed in, the outputs handed back)
// copies no elements. A buffer either keeps its storage alive through `owner` (a vector, a big
// allocation, a mapped input file) or borrows a constant's bytes from the loaded graph for the
// length of one run (see `owned()`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "mxconf/io/mapped_file.h"

namespace mxconf::pipeline {

template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(std::vector<T> v) {  // NOLINT(google-explicit-constructor): a vector is a buffer
    auto owned = std::make_shared<const std::vector<T>>(std::move(v));
    data_ = owned->data();
    size_ = owned->size();
    owner_ = std::move(owned);
  }
  Buffer(std::initializer_list<T> values) : Buffer(std::vector<T>(values)) {}
  // `n` elements at `data`, kept alive by `owner`. `file_backed`: the storage is a private,
  // read-only file mapping, whose resident pages release() may drop.
  static Buffer view(std::shared_ptr<const void> owner, const T* data, size_t n,
                     bool file_backed = false) {
    Buffer b;
    b.owner_ = std::move(owner);
    b.data_ = data;
    b.size_ = n;
    b.file_backed_ = file_backed;
    return b;
  }
  // No owner: valid only while the source lives (a constant of the graph being run).
  static Buffer borrow(const T* data, size_t n) { return view(nullptr, data, n); }
  // Storage for n elements, uninitialized: fill it through *writable before sharing the buffer.
  // `populate`: fault the pages in now, in bulk (see io::allocate).
  static Buffer allocate(size_t n, T** writable, bool populate = true) {
    std::shared_ptr<void> mem = io::allocate(n * sizeof(T), populate);
    *writable = static_cast<T*>(mem.get());
    return view(std::move(mem), *writable, n);
  }

  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::span<const T> span() const { return {data_, size_}; }
  operator std::span<const T>() const { return span(); }  // NOLINT: reads like a span
  std::vector<T> to_vector() const { return {begin(), end()}; }

  bool borrowed() const { return !owner_ && size_ != 0; }
  // This buffer, or a copy that owns its storage if it is borrowed.
  Buffer owned() const {
    if (!borrowed()) return *this;
    T* w = nullptr;
    Buffer b = allocate(size_, &w);
    std::memcpy(w, data_, size_ * sizeof(T));
    return b;
  }
  // Elements [begin, end) will not be read again soon: a file-backed buffer gives their pages
  // back (they stay readable); any other buffer ignores this.
  void release(size_t begin, size_t end) const {
    if (file_backed_ && end > begin && end <= size_)
      io::release_file_pages(data_ + begin, (end - begin) * sizeof(T));
  }

  friend bool operator==(const Buffer& a, const Buffer& b) {
    return a.size_ == b.size_ &&
           (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_ * sizeof(T)) == 0);
  }
  friend bool operator==(const Buffer& a, const std::vector<T>& b) {
    return a.size_ == b.size() &&
           (a.size_ == 0 || std::memcmp(a.data_, b.data(), a.size_ * sizeof(T)) == 0);
  }

 private:
  std::shared_ptr<const void> owner_;
  const T* data_ = nullptr;
  size_t size_ = 0;
  bool file_backed_ = false;
};

}  // namespace mxconf::pipeline

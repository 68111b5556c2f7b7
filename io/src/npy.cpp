#include "mxconf/io/npy.h"

#include "mxconf/vocabulary/named.h"

#include <cctype>
#include <cstring>
#include <limits>

#include "mxconf/faults/faults.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/mapped_file.h"

namespace mxconf::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = 1 << 16;
constexpr size_t kMaxRank = 32;

// The descr strings mxconf reads and writes (the first row of a dtype is what it writes).
constexpr Named<NpyDtype> kDescr[] = {
    {NpyDtype::f4, "<f4"}, {NpyDtype::f8, "<f8"}, {NpyDtype::u1, "|u1"}, {NpyDtype::u1, "<u1"},
    {NpyDtype::u2, "<u2"}, {NpyDtype::v2, "<V2"}, {NpyDtype::v1, "<V1"}, {NpyDtype::v1, "|V1"},
    {NpyDtype::i4, "<i4"}, {NpyDtype::i8, "<i8"}};

// A tiny reader for the Python dict literal in the header; it accepts only what NumPy writes.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string what) : s_(text), what_(std::move(what)) {}

  void parse(NpyArray& a) {
    bool have_descr = false, have_order = false, have_shape = false;
    skip_ws();
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = read_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        const std::string d = read_string();
        const auto dtype = parse_in(kDescr, d);
        if (!dtype) fail("unsupported dtype '" + d + "' (want " + names_of(kDescr) + ")");
        a.dtype = *dtype;
        have_descr = true;
      } else if (key == "fortran_order") {
        if (s_.substr(pos_, 5) == "False") {
          pos_ += 5;
        } else if (s_.substr(pos_, 4) == "True") {
          fail("Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
        } else {
          fail("fortran_order must be True or False");
        }
        have_order = true;
      } else if (key == "shape") {
        read_shape(a.shape);
        have_shape = true;
      } else {
        fail("unknown header key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',') ++pos_;
    }
    if (!have_descr || !have_order || !have_shape) {
      fail("header lacks descr, fortran_order or shape");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& why) { throw NpyError(what_ + ": " + why); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("malformed header: expected '") + c + "'");
    ++pos_;
  }
  std::string read_string() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("malformed header: expected a quoted string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("malformed header: unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  void read_shape(std::vector<int64_t>& shape) {
    expect('(');
    shape.clear();
    while (true) {
      skip_ws();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("malformed shape");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("shape dimension too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (shape.size() >= kMaxRank) fail("rank above 32");
      shape.push_back(v);
      skip_ws();
      if (peek() == ',') ++pos_;
    }
    ++pos_;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace

std::string descr(NpyDtype d) {
  return std::string(name_in(kDescr, d));
}

size_t itemsize(NpyDtype d) {
  switch (d) {
    case NpyDtype::f4:
      return 4;
    case NpyDtype::f8:
    case NpyDtype::i8:
      return 8;
    case NpyDtype::i4:
      return 4;
    case NpyDtype::u1:
    case NpyDtype::v1:
      return 1;
    case NpyDtype::u2:
    case NpyDtype::v2:
      return 2;
  }
  return 0;
}

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  return n;
}

NpyView parse_npy_view(std::span<const uint8_t> bytes, const std::string& what) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    throw NpyError(what + ": not a .npy file (bad magic or truncated)");
  }
  const int major = bytes[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = size_t(bytes[8]) | size_t(bytes[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw NpyError(what + ": truncated header");
    header_len = size_t(bytes[8]) | size_t(bytes[9]) << 8 | size_t(bytes[10]) << 16 |
                 size_t(bytes[11]) << 24;
    header_start = 12;
  } else {
    throw NpyError(what + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_len > kMaxHeader || header_start + header_len > bytes.size()) {
    throw NpyError(what + ": truncated header");
  }
  NpyArray a;
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start),
                                header_len);
  HeaderParser(header, what).parse(a);
  // Overflow-safe element count against the bytes actually present.
  const size_t payload = bytes.size() - header_start - header_len;
  size_t count = 1;
  for (int64_t d : a.shape) {
    if (d != 0 && count > payload / size_t(d)) {
      throw NpyError(what + ": truncated data (shape needs more bytes than the file has)");
    }
    count *= size_t(d);
  }
  const size_t need = count * itemsize(a.dtype);
  if (payload < need) {
    throw NpyError(what + ": truncated data (" + std::to_string(payload) + " of " +
                   std::to_string(need) + " bytes)");
  }
  if (payload > need) throw NpyError(what + ": trailing bytes after the array data");
  return NpyView{a.dtype, std::move(a.shape), bytes.subspan(header_start + header_len)};
}

NpyArray parse_npy(std::span<const uint8_t> bytes, const std::string& what) {
  NpyView v = parse_npy_view(bytes, what);
  NpyArray a;
  a.dtype = v.dtype;
  a.shape = std::move(v.shape);
  a.data.assign(v.data.begin(), v.data.end());
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file(path);
  } catch (const std::runtime_error& e) {
    throw NpyError(e.what());
  }
  return parse_npy(bytes, path);
}

NpyFile NpyFile::open(const std::string& path) {
  // Map without reading and check the header (its pages only); the data is faulted in by the
  // first values(): a bad header, or a shape the caller rejects, is found as fast in 1 GiB as in
  // 1 KiB.
  std::shared_ptr<const MappedFile> file;
  NpyFile f;
  try {
    file = MappedFile::open(path, /*populate=*/false);
    file->populate(0, 12 + kMaxHeader);  // at most the header's pages, whatever the file's size
    f.view_ = parse_npy_view(file->bytes(), path);
  } catch (const NpyError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw NpyError(e.what());
  }
  const size_t item = itemsize(f.view_.dtype);
  if (reinterpret_cast<uintptr_t>(f.view_.data.data()) % item == 0) {
    f.owner_ = file;
    f.file_ = std::move(file);
    return f;
  }
  // A header length NumPy would never write left the data misaligned: copy it once.
  file->populate(0, file->bytes().size());
  auto copy = std::make_shared<std::vector<uint64_t>>((f.view_.data.size() + 7) / 8);
  // The fault: the copy starts at the aligned address below the data (inside the header).
  const uint8_t* from = f.view_.data.data();
  if (MXCONF_FAULT(npy_misaligned_copy_offset)) from -= reinterpret_cast<uintptr_t>(from) % item;
  if (!f.view_.data.empty()) std::memcpy(copy->data(), from, f.view_.data.size());
  f.view_.data = {reinterpret_cast<const uint8_t*>(copy->data()), f.view_.data.size()};
  f.owner_ = std::move(copy);
  f.populated_ = true;
  return f;
}

void NpyFile::populate() const {
  try {
    file_->populate(size_t(view_.data.data() - file_->bytes().data()), view_.data.size());
  } catch (const std::runtime_error& e) {
    throw NpyError(e.what());
  }
  populated_ = true;
}

std::string npy_header(NpyDtype dtype, const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '" + descr(dtype) + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, 6);
  out += char(1);
  out += char(0);
  out += char(uint8_t(dict.size()));
  out += char(uint8_t(dict.size() >> 8));
  return out + dict;
}

void stage_npy(AtomicOutputs& out, const std::string& path, NpyDtype dtype,
               const std::vector<int64_t>& shape, std::span<const uint8_t> data) {
  if (element_count(shape) * itemsize(dtype) != data.size())
    throw NpyError(path + ": " + std::to_string(data.size()) + " bytes do not fill the shape");
  const std::string header = npy_header(dtype, shape);
  out.stage(path,
            {std::span(reinterpret_cast<const uint8_t*>(header.data()), header.size()), data});
}

std::vector<uint8_t> serialize_npy(const NpyArray& a) {
  const std::string header = npy_header(a.dtype, a.shape);
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

NpyArray make_npy(NpyDtype dtype, std::vector<int64_t> shape, const void* data, size_t bytes) {
  NpyArray a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  if (a.element_count() * itemsize(dtype) != bytes) throw NpyError("make_npy: size mismatch");
  a.data.resize(bytes);
  if (bytes) std::memcpy(a.data.data(), data, bytes);
  return a;
}

}  // namespace mxconf::io

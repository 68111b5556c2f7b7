// Raw bytes -> the .npy reader (the view every mapped input goes through): a clear NpyError for
// anything malformed, and for anything accepted, a data range inside the bytes that holds exactly
// the declared elements and that the writer's header reproduces.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "mxconf/io/npy.h"

using namespace mxconf::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  NpyView v;
  try {
    v = parse_npy_view(bytes, "fuzz.npy");
  } catch (const NpyError&) {
    return 0;
  }
  const bool inside = v.data.data() >= data && v.data.data() + v.data.size() == data + size;
  if (!inside || v.data.size() != v.element_count() * itemsize(v.dtype)) {
    std::fprintf(stderr, "fuzz_npy: the accepted data range does not match the header\n");
    std::abort();
  }
  // What the writer makes of the same array must read back as the same array.
  const std::string header = npy_header(v.dtype, v.shape);
  std::vector<uint8_t> again(header.begin(), header.end());
  again.insert(again.end(), v.data.begin(), v.data.end());
  const NpyView w = parse_npy_view(again, "rewritten.npy");
  if (w.dtype != v.dtype || w.shape != v.shape ||
      !std::equal(w.data.begin(), w.data.end(), v.data.begin(), v.data.end())) {
    std::fprintf(stderr, "fuzz_npy: the rewritten file reads back differently\n");
    std::abort();
  }
  return 0;
}

// bench_make_npy OUT.npy ROWS COLS [SEED]: a deterministic float32 .npy for whole-process
// benchmarks, written in chunks (a 1 GiB input needs no 1 GiB buffer). Values are uniform in
// (-1, 1) times a power of two that changes every 32 values (2^-8 .. 2^7), so the block scales
// vary as they do in real activations. NumPy is not needed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mxconf/io/npy.h"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: bench_make_npy OUT.npy ROWS COLS [SEED]\n");
    return 2;
  }
  const unsigned long long rows = std::strtoull(argv[2], nullptr, 10);
  const unsigned long long cols = std::strtoull(argv[3], nullptr, 10);
  uint64_t state = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 1;
  if (rows == 0 || cols == 0) {
    std::fprintf(stderr, "bench_make_npy: ROWS and COLS must be positive integers\n");
    return 2;
  }
  // The project's own header writer: the file is exactly what mxconf would write.
  const std::string header = mxconf::io::npy_header(
      mxconf::io::NpyDtype::f4, {static_cast<int64_t>(rows), static_cast<int64_t>(cols)});
  FILE* f = std::fopen(argv[1], "wb");
  if (!f) {
    std::perror(argv[1]);
    return 1;
  }
  std::fwrite(header.data(), 1, header.size(), f);
  auto next = [&state] {  // SplitMix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::vector<float> chunk(1 << 16);
  unsigned long long left = rows * cols, index = 0;
  float block_scale = 1.0f;
  while (left > 0) {
    const size_t n = left < chunk.size() ? size_t(left) : chunk.size();
    for (size_t i = 0; i < n; ++i, ++index) {
      const uint64_t r = next();
      if (index % 32 == 0) block_scale = std::ldexp(1.0f, int(r >> 60) - 8);  // 2^-8 .. 2^7
      chunk[i] = (float(uint32_t(r >> 40)) * 0x1p-23f - 1.0f) * block_scale;
    }
    if (std::fwrite(chunk.data(), 4, n, f) != n) {
      std::perror(argv[1]);
      return 1;
    }
    left -= n;
  }
  return std::fclose(f) == 0 ? 0 : 1;
}

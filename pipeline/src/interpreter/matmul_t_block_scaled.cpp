// MATMUL_T_BLOCK_SCALED in the spec's fp32 order, vectorized across outputs rather than along k:
// each SIMD lane is one output w and runs the sequential block sum itself, so every lane's
// arithmetic is exactly the pseudocode's. Payloads are decoded through tables once per tile.
#include <algorithm>
#include <array>
#include <vector>

#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/pipeline/interpreter.h"

namespace mxconf::pipeline {
namespace {

constexpr int64_t kTile = 16;  // outputs per tile (lanes)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define MXCONF_DISPATCH __attribute__((target_clones("avx2", "default")))
#else
#define MXCONF_DISPATCH
#endif

// One tile: out[lane] for lanes of B packed as bt[k * kTile + lane], bs[blk * kTile + lane].
MXCONF_DISPATCH void tile_kernel(int64_t blocks, const float* __restrict a,
                                 const float* __restrict as, const float* __restrict bt,
                                 const float* __restrict bs, float* __restrict acc) {
  for (int64_t l = 0; l < kTile; ++l) acc[l] = 0.0f;
  for (int64_t b = 0; b < blocks; ++b) {
    float blk[kTile];
    for (int64_t l = 0; l < kTile; ++l) blk[l] = 0.0f;
    const float* brow = bt + b * 32 * kTile;
    const float* arow = a + b * 32;
    for (int64_t i = 0; i < 32; ++i) {
      const float ai = arow[i];
      for (int64_t l = 0; l < kTile; ++l) blk[l] = blk[l] + ai * brow[i * kTile + l];
    }
    for (int64_t l = 0; l < kTile; ++l) {
      const float scale = as[b] * bs[b * kTile + l];  // sA * sB first, in fp32
      blk[l] = blk[l] * scale;
      acc[l] = acc[l] + blk[l];
    }
  }
}

}  // namespace

void matmul_t_block_scaled(formats::ElementType t, int64_t n, int64_t h, int64_t w, int64_t c,
                           int64_t d, const uint8_t* a_codes, const uint8_t* a_scales,
                           const uint8_t* b_codes, const uint8_t* b_scales, float* out) {
  std::array<float, 256> table;
  for (int i = 0; i < 256; ++i) table[size_t(i)] = formats::decode(t, uint8_t(i));
  std::array<float, 256> e8m0;
  for (int i = 0; i < 256; ++i) e8m0[size_t(i)] = formats::decode_e8m0(uint8_t(i));

  const int64_t blocks = c / 32;
  const int64_t tiles = (w + kTile - 1) / kTile;
  std::vector<float> bt(static_cast<size_t>(tiles * c * kTile));
  std::vector<float> bs(static_cast<size_t>(tiles * blocks * kTile));
  std::vector<float> a(static_cast<size_t>(c));
  std::vector<float> as(static_cast<size_t>(blocks));
  float acc[kTile];
  for (int64_t batch = 0; batch < n; ++batch) {
    const int64_t db = (d == 1) ? 0 : batch;
    if (batch == 0 || d != 1) {
      // Decode and transpose this batch's B once: bt[tile][k][lane]; padding lanes are 0.
      std::fill(bt.begin(), bt.end(), 0.0f);
      std::fill(bs.begin(), bs.end(), 1.0f);
      for (int64_t col = 0; col < w; ++col) {
        const int64_t tile = col / kTile, lane = col % kTile;
        const uint8_t* codes = b_codes + (db * w + col) * c;
        float* dst = &bt[size_t(tile * c * kTile + lane)];
        for (int64_t k = 0; k < c; ++k) dst[k * kTile] = table[codes[k]];
        const uint8_t* sc = b_scales + (db * w + col) * blocks;
        for (int64_t b = 0; b < blocks; ++b)
          bs[size_t((tile * blocks + b) * kTile + lane)] = e8m0[sc[b]];
      }
    }
    for (int64_t row = 0; row < h; ++row) {
      const uint8_t* codes = a_codes + (batch * h + row) * c;
      for (int64_t k = 0; k < c; ++k) a[size_t(k)] = table[codes[k]];
      const uint8_t* sc = a_scales + (batch * h + row) * blocks;
      for (int64_t b = 0; b < blocks; ++b) as[size_t(b)] = e8m0[sc[b]];
      float* dst = out + (batch * h + row) * w;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        tile_kernel(blocks, a.data(), as.data(), &bt[size_t(tile * c * kTile)],
                    &bs[size_t(tile * blocks * kTile)], acc);
        const int64_t lanes = std::min(kTile, w - tile * kTile);
        for (int64_t l = 0; l < lanes; ++l) dst[tile * kTile + l] = acc[l];
      }
    }
  }
}

}  // namespace mxconf::pipeline

// MATMUL_T_BLOCK_SCALED in the spec's fp32 order, vectorized across outputs rather than along k:
// each SIMD lane is one output w and runs the sequential block sum itself, so every lane's
// arithmetic is exactly the pseudocode's. Payloads are decoded through tables once per tile.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "matmul_tile.h"
#include "mxconf/faults/faults.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/pipeline/interpreter.h"

namespace mxconf::pipeline {
namespace {

// GCC/Clang vector extensions pin the shape of the loop: lanes are outputs, k stays sequential
// per lane (the compiler may not vectorize along k, which would reorder the fp32 sum). On a
// baseline build each 8-lane vector is two SSE registers; the AVX2 clone uses one YMM.
typedef float v8f __attribute__((vector_size(32)));
// The same vector with element alignment, for unaligned loads and stores (vector types may alias
// their element type).
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));

#define MXCONF_LOAD8(p) (*reinterpret_cast<const v8f_unaligned*>(p))

// One tile: acc[lane] for the lanes of B packed as bt[k * kTile + lane], bs[blk * kTile + lane].
MXCONF_TILE_DISPATCH void tile_kernel(int64_t blocks, const float* __restrict a,
                                      const float* __restrict as, const float* __restrict bt,
                                      const float* __restrict bs, float* __restrict acc) {
  v8f acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
  for (int64_t b = 0; b < blocks; ++b) {
    v8f blk0 = {}, blk1 = {}, blk2 = {}, blk3 = {};
    const float* brow = bt + b * 32 * kTile;
    const float* arow = a + b * 32;
    for (int64_t i = 0; i < 32; ++i) {
      const float ai = arow[i];
      const v8f av = {ai, ai, ai, ai, ai, ai, ai, ai};
      const float* bi = brow + i * kTile;
      blk0 = blk0 + av * MXCONF_LOAD8(bi);  // a product, then an add: two roundings, as specified
      blk1 = blk1 + av * MXCONF_LOAD8(bi + 8);
      blk2 = blk2 + av * MXCONF_LOAD8(bi + 16);
      blk3 = blk3 + av * MXCONF_LOAD8(bi + 24);
    }
    const float sa = as[b];
    const v8f sav = {sa, sa, sa, sa, sa, sa, sa, sa};
    const float* sb = bs + b * kTile;
    acc0 = acc0 + blk0 * (sav * MXCONF_LOAD8(sb));  // sA * sB first, in fp32
    acc1 = acc1 + blk1 * (sav * MXCONF_LOAD8(sb + 8));
    acc2 = acc2 + blk2 * (sav * MXCONF_LOAD8(sb + 16));
    acc3 = acc3 + blk3 * (sav * MXCONF_LOAD8(sb + 24));
  }
  *reinterpret_cast<v8f_unaligned*>(acc) = acc0;
  *reinterpret_cast<v8f_unaligned*>(acc + 8) = acc1;
  *reinterpret_cast<v8f_unaligned*>(acc + 16) = acc2;
  *reinterpret_cast<v8f_unaligned*>(acc + 24) = acc3;
}
#undef MXCONF_LOAD8

// The perturb_first_op variant: output 0 (row 0 of A with row 0 of B) moved by parameter() times
// the op's DOT_PRODUCT bound as this kernel estimates it: the elements clamped to normal_min
// (a conv's padded taps, which are zeros here, counted as clamped too), KS + 1, no bias term.
void perturb_output_zero(formats::ElementType t, const std::array<float, 256>& table,
                         const std::array<float, 256>& e8m0, int64_t c, const uint8_t* a_codes,
                         const uint8_t* a_scales, const uint8_t* b_codes, const uint8_t* b_scales,
                         float* out) {
  const float nmin = formats::decode(t, formats::normal_min_code(t));
  double bnd = 0x1p-126;
  for (int64_t k = 0; k < c; ++k) {
    const double s = double(e8m0[a_scales[k / 32]]) * double(e8m0[b_scales[k / 32]]);
    bnd += std::max(std::fabs(double(table[a_codes[k]])), double(nmin)) *
           std::max(std::fabs(double(table[b_codes[k]])), double(nmin)) * s;
  }
  const double ksb = double(c + 1);
  const double abs_bound = 2 * std::max(ksb, std::min(ksb, 64.0) * 1024);
  out[0] = float(double(out[0]) +
                 faults::variant_parameter() * abs_bound * std::max(bnd * 0x1p-24, 0x1p-126));
}

}  // namespace

void matmul_t_block_scaled(formats::ElementType t, int64_t n, int64_t h, int64_t w, int64_t c,
                           int64_t d, const uint8_t* a_codes, const uint8_t* a_scales,
                           const uint8_t* b_codes, const uint8_t* b_scales, float* out) {
  std::array<float, 256> table;
  for (int i = 0; i < 256; ++i) table[size_t(i)] = formats::decode(t, uint8_t(i));
  std::array<float, 256> e8m0;
  for (int i = 0; i < 256; ++i) e8m0[size_t(i)] = formats::decode_e8m0(uint8_t(i));
  if (MXCONF_FAULT(nan_scale_as_one)) e8m0[255] = 1.0f;

  const int64_t blocks = c / 32;
  const int64_t tiles = (w + kTile - 1) / kTile;
  // Fault points (mutation score) are decided here, once: a swapped kernel, a shifted index, a
  // broadcast taken as a batch. None of them adds a loop to the kernel.
  const TileKernel kernel =
      MXCONF_FAULT(scale_product_in_double) ? faulty_tile_kernel_scale_in_double
      : MXCONF_VARIANT(fp64_accumulate)     ? variant_tile_kernel_fp64
      : MXCONF_VARIANT(reverse_block_order) ? variant_tile_kernel_reverse_blocks
                                            : tile_kernel;
  const int64_t scale_shift = MXCONF_FAULT(block_index_off_by_one) ? 1 : 0;
  const bool broadcast = d == 1 && !MXCONF_FAULT(broadcast_b_d_eq_n);
  std::vector<float> bt(static_cast<size_t>(tiles * c * kTile));
  std::vector<float> bs(static_cast<size_t>(tiles * blocks * kTile));
  std::vector<float> a(static_cast<size_t>(c));
  std::vector<float> as(static_cast<size_t>(blocks));
  float acc[kTile];
  for (int64_t batch = 0; batch < n; ++batch) {
    const int64_t db = broadcast ? 0 : batch;
    if (batch == 0 || !broadcast) {
      // Decode and transpose this batch's B once: bt[tile][k][lane]; padding lanes are 0.
      std::fill(bt.begin(), bt.end(), 0.0f);
      std::fill(bs.begin(), bs.end(), 1.0f);
      // The injected broadcast fault would read batch db past the end of a D = 1 operand; it sees
      // zeros instead, so the faulty build stays memory-safe under the sanitizers.
      for (int64_t col = 0; col < w && db < d; ++col) {
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
      for (int64_t b = 0; b < blocks; ++b)
        as[size_t(b)] = e8m0[sc[std::min(b + scale_shift, blocks - 1)]];
      float* dst = out + (batch * h + row) * w;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        kernel(blocks, a.data(), as.data(), &bt[size_t(tile * c * kTile)],
               &bs[size_t(tile * blocks * kTile)], acc);
        const int64_t lanes = std::min(kTile, w - tile * kTile);
        for (int64_t l = 0; l < lanes; ++l) dst[tile * kTile + l] = acc[l];
      }
    }
  }
  if (MXCONF_VARIANT(perturb_first_op) && faults::take_first_op())
    perturb_output_zero(t, table, e8m0, c, a_codes, a_scales, b_codes, b_scales, out);
}

}  // namespace mxconf::pipeline

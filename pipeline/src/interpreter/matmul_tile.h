// Internal to the interpreter: the tile layout of MATMUL_T_BLOCK_SCALED's kernel, shared with the
// mutation-score variant of the kernel (faulty_kernels.cpp).
#pragma once

#include <cstdint>

namespace mxconf::pipeline {

constexpr int64_t kTile = 32;  // outputs per tile (lanes): four independent 8-lane add chains

// acc[lane] = sum over blocks b of (sum_i a[32b + i] * bt[(32b + i) * kTile + lane]) *
// (as[b] * bs[b * kTile + lane]), in the spec's fp32 order per lane.
using TileKernel = void (*)(int64_t blocks, const float* a, const float* as, const float* bt,
                            const float* bs, float* acc);

// Mutation score (faults/): the same kernel with the block scaling formed in double,
// blk * (double(sA) * double(sB)) rounded once. Selected only when that fault is injected.
// Variants (faults.h): other orders TOSA allows.
void variant_tile_kernel_fp64(int64_t blocks, const float* a, const float* as, const float* bt,
                              const float* bs, float* acc);
void variant_tile_kernel_reverse_blocks(int64_t blocks, const float* a, const float* as,
                                        const float* bt, const float* bs, float* acc);

void faulty_tile_kernel_scale_in_double(int64_t blocks, const float* a, const float* as,
                                        const float* bt, const float* bs, float* acc);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define MXCONF_TILE_DISPATCH __attribute__((target_clones("avx2", "default")))
#else
#define MXCONF_TILE_DISPATCH
#endif

}  // namespace mxconf::pipeline

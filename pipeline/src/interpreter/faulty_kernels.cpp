// Kernels with a deliberate bug, for the mutation score (faults/faults.h): swapped in for the real
// kernel when the fault is injected, so the real kernel carries no alternative loop.
#include "matmul_tile.h"

namespace mxconf::pipeline {

void faulty_tile_kernel_scale_in_double(int64_t blocks, const float* a, const float* as,
                                        const float* bt, const float* bs, float* acc) {
  for (int64_t lane = 0; lane < kTile; ++lane) {
    float total = 0.0f;
    for (int64_t b = 0; b < blocks; ++b) {
      float sum = 0.0f;
      for (int64_t i = 0; i < 32; ++i) sum = sum + a[b * 32 + i] * bt[(b * 32 + i) * kTile + lane];
      total = total + float(double(sum) * (double(as[b]) * double(bs[b * kTile + lane])));
    }
    acc[lane] = total;
  }
}

// Every product exact in fp64, every sum in fp64, one rounding to fp32 per output.
void variant_tile_kernel_fp64(int64_t blocks, const float* a, const float* as, const float* bt,
                              const float* bs, float* acc) {
  for (int64_t lane = 0; lane < kTile; ++lane) {
    double total = 0.0;
    for (int64_t b = 0; b < blocks; ++b) {
      double sum = 0.0;
      for (int64_t i = 0; i < 32; ++i)
        sum += double(a[b * 32 + i]) * double(bt[(b * 32 + i) * kTile + lane]);
      total += sum * double(as[b]) * double(bs[b * kTile + lane]);
    }
    acc[lane] = float(total);
  }
}

// The spec's fp32 order within a block, the blocks added last to first.
void variant_tile_kernel_reverse_blocks(int64_t blocks, const float* a, const float* as,
                                        const float* bt, const float* bs, float* acc) {
  for (int64_t lane = 0; lane < kTile; ++lane) {
    float total = 0.0f;
    for (int64_t b = blocks; b-- > 0;) {
      float sum = 0.0f;
      for (int64_t i = 0; i < 32; ++i) sum = sum + a[b * 32 + i] * bt[(b * 32 + i) * kTile + lane];
      total = total + sum * (as[b] * bs[b * kTile + lane]);
    }
    acc[lane] = total;
  }
}

}  // namespace mxconf::pipeline

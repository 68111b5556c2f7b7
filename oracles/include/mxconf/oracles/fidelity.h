// Fidelity of an MX result against an fp32 (or exact) reference: how much the quantization cost.
#pragma once

#include <cstdint>
#include <span>

namespace mxconf::oracles {

struct Fidelity {
  double rel_frobenius = 0;  // ||ref - test|| / ||ref||; 0 when both are all zero
  double cosine = 1;         // <ref, test> / (||ref|| ||test||); 1 when both are all zero
  double sqnr_db = 0;        // 10 log10(||ref||^2 / ||ref - test||^2); +inf when exact
  uint64_t max_ulp = 0;      // max fp32 ulp distance; UINT64_MAX when a NaN disagrees
};

Fidelity fidelity(std::span<const float> test, std::span<const float> ref);

// Distance in fp32 ulps (ordered bit patterns, -0 == +0). NaN vs non-NaN is UINT64_MAX.
uint64_t ulp_distance(float a, float b);

}  // namespace mxconf::oracles

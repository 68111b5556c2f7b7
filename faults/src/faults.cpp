#include "mxconf/faults/faults.h"

#include <array>
#include <atomic>
#include <stdexcept>

namespace mxconf::faults {
namespace {

constexpr std::array<std::string_view, size_t(Fault::count)> kNames = {"none",
                                                                       "swap_scales",
                                                                       "block_index_off_by_one",
                                                                       "round_half_away",
                                                                       "pre44_in_cast",
                                                                       "fp4_nibble_order",
                                                                       "dropped_bias_broadcast",
                                                                       "broadcast_b_d_eq_n",
                                                                       "transposed_weight",
                                                                       "e8m0_gate_missing",
                                                                       "dim_order_ignored",
                                                                       "nan_scale_as_one",
                                                                       "subnormals_flushed",
                                                                       "scale_product_in_double"};

std::atomic<Fault> g_active{Fault::none};

}  // namespace

std::string_view name(Fault f) {
  return kNames[size_t(f)];
}

std::vector<Fault> all_faults() {
  std::vector<Fault> v;
  for (size_t i = 1; i < size_t(Fault::count); ++i) v.push_back(Fault(i));
  return v;
}

bool compiled_in() {
#if defined(MXCONF_FAULT_INJECTION)
  return true;
#else
  return false;
#endif
}

void inject(Fault f) {
  if (!compiled_in() && f != Fault::none) {
    throw std::invalid_argument(
        "fault injection is not compiled in (configure with -DMXCONF_FAULT_INJECTION=ON)");
  }
  g_active = f;
}

void inject(std::string_view n) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == n) return inject(Fault(i));
  }
  throw std::invalid_argument("unknown fault '" + std::string(n) + "'");
}

Fault active() {
  return g_active.load(std::memory_order_relaxed);
}

}  // namespace mxconf::faults

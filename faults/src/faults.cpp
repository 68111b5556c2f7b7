#include "mxconf/faults/faults.h"

#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>

namespace mxconf::faults {
namespace {

constexpr std::array<std::string_view, size_t(Fault::count)> kNames = {
    "none",
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
    "scale_product_in_double",
    "weight_default_bound",
    "bias_seed_derivation",
    "fp6_group_order",
    "conv_weight_oihw_as_ohwi",
    "conv_stride_dilation_swapped",
    "conv_pad_reads_edge",
    "conv_taps_reversed",
    "cast_rule_ignored",
    "batch_broadcast_rule_loosened",
    "conv_pad_forgets_pad_right",
    "level_strict_at_limit",
    "writer_drops_conv_attribute",
    "e8m0_decode_by_shift",
    "quantize_last_chunk_dropped",
    "npy_misaligned_copy_offset",
    "exec_refuses_v2",
    "interpreter_frees_inputs_early",
    "reshape_scales_rotated"};

std::atomic<Fault> g_active{Fault::none};
std::atomic<Variant> g_variant{Variant::none};
std::atomic<double> g_parameter{0};
thread_local bool t_first_op_armed = false;

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

void select_variant(Variant v, double parameter) {
  if (!compiled_in() && v != Variant::none) {
    throw std::invalid_argument(
        "variants are not compiled in (configure with -DMXCONF_FAULT_INJECTION=ON)");
  }
  g_variant = v;
  g_parameter = parameter;
}

Variant variant() {
  return g_variant.load(std::memory_order_relaxed);
}

double variant_parameter() {
  return g_parameter.load(std::memory_order_relaxed);
}

void arm_first_op() {
  t_first_op_armed = true;
}

bool take_first_op() {
  const bool armed = t_first_op_armed;
  t_first_op_armed = false;
  return armed;
}

std::vector<uint8_t> read_as_transposed(const std::vector<uint8_t>& data, int64_t rows,
                                        int64_t cols, size_t elem_bytes) {
  std::vector<uint8_t> out(data.size());
  const size_t count = size_t(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const size_t from = size_t(c * rows + r) % count, to = size_t(r * cols + c);
      std::memcpy(&out[to * elem_bytes], &data[from * elem_bytes], elem_bytes);
    }
  }
  return out;
}

}  // namespace mxconf::faults

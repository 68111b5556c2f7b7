// Fault injection for the mutation score: realistic bugs compiled into the system under test
// (formats/ and pipeline/, never oracles/) when MXCONF_FAULT_INJECTION is on, selected at run
// time with `mxconf run --inject-fault NAME`. With the option off every fault point is `false`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxconf::faults {

enum class Fault : uint32_t {
  none,
  swap_scales,                    // MATMUL_T_BLOCK_SCALED gets [A, B_scale, B, A_scale]
  block_index_off_by_one,         // the kernel takes A's scale from the next block
  round_half_away,                // element rounding ties away from zero instead of to even
  pre44_in_cast,                  // CAST_TO_BLOCK_SCALED uses the pre-#44 scale rule
  fp4_nibble_order,               // fp4 constants packed with the odd element in the low nibble
  dropped_bias_broadcast,         // the bias is added without its reshape to the output rank
  broadcast_b_d_eq_n,             // B indexed as if D == N when D == 1
  transposed_weight,              // the weight is quantized as [K, N] data under an [N, K] shape
  e8m0_gate_missing,              // FP8UE8M0 tensors pass validation without mxfp
  dim_order_ignored,              // NormalizeIoLayout leaves the input in logical order
  nan_scale_as_one,               // an E8M0 NaN scale (0xFF) decodes as 1.0 in the matmul
  subnormals_flushed,             // element subnormals are flushed to zero
  scale_product_in_double,        // sA * sB and the block scaling computed in double
  weight_default_bound,           // seeded weights without a scale get 1/K instead of 1/sqrt(K)
  bias_seed_derivation,           // a bias without values is seeded from weights.seed ^ 0xB1A4
  fp6_group_order,                // fp6 writer and reader both put element j at bits [18-6j, 24-6j)
  conv_weight_oihw_as_ohwi,       // conv weights quantized in torch's OIHW order, labelled OHWI
  conv_stride_dilation_swapped,   // CONV2D_BLOCK_SCALED gets dilation where stride goes
  conv_pad_reads_edge,            // a padded tap reads the nearest edge pixel, not zero
  conv_taps_reversed,             // the taps are summed last to first (weights reordered to match)
  cast_rule_ignored,              // the interpreter's CAST uses the default rule, not its option
  batch_broadcast_rule_loosened,  // validation refuses D != 1 only when D > N
  conv_pad_forgets_pad_right,     // the pad ERROR_IF checks three of the four pads
  level_strict_at_limit,          // LEVEL_CHECK(dilation * K <= 8192) refuses 8192 itself
  writer_drops_conv_attribute,    // the .tosa writer leaves CONV2D_BLOCK_SCALED's attribute out
  e8m0_decode_by_shift,           // dequantize decodes E8M0 as a shift (0x00 -> 0, 0xFF -> Inf)
  quantize_last_chunk_dropped,    // quantize never writes a partial chunk after the first
  npy_misaligned_copy_offset,     // a misaligned .npy's data copied from the aligned address below
  exec_refuses_v2,                // exec takes bf16 inputs as <u2 only, not <V2
  interpreter_frees_inputs_early,  // values freed before their last reader runs (exec's path)
  reshape_scales_rotated,  // RESHAPE_BLOCK_SCALED gives block b the scale of block b+1 (mod count)
  count,
};

std::string_view name(Fault f);
std::vector<Fault> all_faults();  // every fault but none
bool compiled_in();               // was the build configured with MXCONF_FAULT_INJECTION?
// Selects the active fault. Throws std::invalid_argument for an unknown name or when fault
// injection is not compiled in.
void inject(std::string_view name);
void inject(Fault f);
Fault active();

// Variants: implementations of the block-scaled kernels that differ from the spec's order in
// ways TOSA allows (or in one measured way), to measure the judge against rather than to score
// mutations. Compiled in with the faults; selected by `fake_sut exec` modes and tests.
enum class Variant : uint32_t {
  none,
  fp64_accumulate,      // every product and sum in fp64, rounded to fp32 once per output
  reverse_block_order,  // the blocks' partial sums added last to first
  perturb_first_op,     // the first block-scaled op of a run moves its output element 0 by
                        // parameter() times (its estimate of) the op's DOT_PRODUCT bound
};
void select_variant(Variant v, double parameter = 0);
Variant variant();
double variant_parameter();
// perturb_first_op: arms the perturbation for the next block-scaled op on this thread (the
// interpreter arms it at the start of a run); taken once, by the first op that asks.
void arm_first_op();
bool take_first_op();

// The transposed_weight fault: a rows x cols matrix of `elem_bytes`-byte elements that holds
// [cols, rows] data, read back as if it were [rows, cols] (element (r, c) comes from flat index
// (c * rows + r) mod (rows * cols)).
std::vector<uint8_t> read_as_transposed(const std::vector<uint8_t>& data, int64_t rows,
                                        int64_t cols, size_t elem_bytes);

}  // namespace mxconf::faults

#if defined(MXCONF_FAULT_INJECTION)
#define MXCONF_FAULT(f) (::mxconf::faults::active() == ::mxconf::faults::Fault::f)
#define MXCONF_VARIANT(v) (::mxconf::faults::variant() == ::mxconf::faults::Variant::v)
#else
#define MXCONF_FAULT(f) false
#define MXCONF_VARIANT(v) false
#endif

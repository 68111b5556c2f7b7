// Value campaigns: what data a case feeds its model. Inputs (and, for TOSA's dot-product sets,
// weights and biases) derive from the case's seed alone.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/pipeline/model.h"

namespace mxconf::generators {

enum class Campaign : uint8_t {
  tosa_s0,
  tosa_s1,
  tosa_s2,
  tosa_s3,
  tosa_s4,
  tosa_s5,         // TOSA dot-product test sets
  normal,          // N(0, 1) times 2^magnitude, magnitude from the case's params
  uniform,         // U[0, 1) (torch.rand), as the reference lowering's tests
  block_contrast,  // neighbouring blocks at 1e-3 and 100
  exact_ties,      // RNE midpoints between representable values, times the block scale
  rule_cutoffs,    // block maxima on the cut-offs where tosa/tosa-pre44/ocp/rceil disagree
  specials,        // subnormal-only, all-zero, and NaN/Inf blocks
  e8m0_extremes,   // block maxima near 2^127 and 2^-127 (the E8M0 clamp limits)
  fixed,           // the input given bit for bit (DataSpec::input_bits): fuzz findings; never drawn
  padding_heavy,   // conv2d only: N(0, 1) data through windows that lie mostly in the padding
  level_limits,    // conv2d only: N(0, 1) data, a geometry exactly at a level limit (8192)
  count,
};

inline constexpr Campaign kAllCampaigns[] = {
    Campaign::tosa_s0,        Campaign::tosa_s1,       Campaign::tosa_s2,      Campaign::tosa_s3,
    Campaign::tosa_s4,        Campaign::tosa_s5,       Campaign::normal,       Campaign::uniform,
    Campaign::block_contrast, Campaign::exact_ties,    Campaign::rule_cutoffs, Campaign::specials,
    Campaign::e8m0_extremes,  Campaign::padding_heavy, Campaign::level_limits};

// What data a case feeds its model: every byte derives from the campaign and the seed (or, for
// `fixed`, is given).
struct DataSpec {
  Campaign campaign = Campaign::uniform;
  uint64_t seed = 0;
  nlohmann::json params = nlohmann::json::object();  // campaign parameters (small, canonical)
  std::vector<uint32_t> input_bits;                  // `fixed`: the logical input's fp32 bits
  bool operator==(const DataSpec&) const = default;
};

std::string_view name(Campaign c);
std::optional<Campaign> parse_campaign(std::string_view s);
// Campaigns whose data is ordinary numbers: fidelity against fp32 is meaningful for them.
bool is_numeric(Campaign c);
// TOSA sets S3-S5 add the "4 sigma" bias check to DOT_PRODUCT.
bool wants_bias_check(Campaign c);
std::optional<int> tosa_set(Campaign c);

// SPEC appendix A: set_data(set, i), a portable LCG mod 2^32.
float tosa_set_data(uint32_t set, uint32_t i);
// tosa_pro_fp_data(S, KS, p, k, i) for p = 0 (input), 1 (weight), 2 (bias); B is the largest
// input value whose square does not overflow the output (UNVERIFIED for block-scaled data: the
// generation happens in fp32, so mxconf uses fp32's B = 2^64 - 2^40).
class TosaDotProductData {
 public:
  // Data for tensor p (0 input, 1 weight, 2 bias) at offsets i < count.
  TosaDotProductData(int set, int64_t ks, int p, size_t count);
  float value(int64_t k, uint32_t i) const;

 private:
  float u(int j, uint32_t i) const { return u_[size_t(j)][i]; }
  int set_;
  int p_;
  int64_t ks_;
  std::array<std::vector<float>, 3> u_;  // u_j(i) = set_data(3S + j, i), those p reads
};

// The logical input of the case's model (bf16 inputs: rounded to bf16 values). The data is made
// as rows along the first layer's K axis (for a conv2d model [N*H*W, C] rows, blocks along C, as
// the op casts them) and returned in the logical order. TOSA's data sets take KS and each
// element's k from the first layer's operator row (SPEC appendix_a.adoc at cd5acdd: k = c for
// MATMUL_T_BLOCK_SCALED, line 281; k = ((iy % KH) * KW + (ix % KW)) * IC + ic for
// CONV2D_BLOCK_SCALED, line 181). Throws
// std::runtime_error when a `fixed` input does not hold the model's input element count.
std::vector<float> campaign_input(const pipeline::ModelSpec& m, const DataSpec& d);
// TOSA sets define weights and biases too: the model with those values filled in. Other
// campaigns return the model unchanged (its own seeded weights).
pipeline::ModelSpec campaign_model(const pipeline::ModelSpec& m, Campaign c);
// The model a case runs: as above, and for a model whose layer reads indices (an embedding,
// which casts no activation) its table filled with the campaign's values, made as an input's
// rows would be (seeded from d.seed, apart from the indices). Its input: campaign_input's
// indices in [0, V), the first 0 and the last V - 1.
pipeline::ModelSpec campaign_model(const pipeline::ModelSpec& m, const DataSpec& d);

}  // namespace mxconf::generators

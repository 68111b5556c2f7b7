#include "mxconf/generators/case_gen.h"

#include <algorithm>
#include <numeric>

namespace mxconf::generators {
namespace {

std::vector<std::vector<int64_t>> permutations(size_t rank) {
  std::vector<int64_t> p(rank);
  std::iota(p.begin(), p.end(), 0);
  std::vector<std::vector<int64_t>> all;
  do {
    all.push_back(p);
  } while (std::next_permutation(p.begin(), p.end()));
  return all;  // lexicographic: the identity (contiguous) first, so shrinking reaches it
}

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Campaigns in shrink order: plain numbers first.
std::vector<Campaign> campaign_order(const std::vector<Campaign>& wanted) {
  const Campaign order[] = {
      Campaign::uniform,      Campaign::normal,     Campaign::block_contrast, Campaign::tosa_s0,
      Campaign::tosa_s1,      Campaign::tosa_s2,    Campaign::tosa_s3,        Campaign::tosa_s4,
      Campaign::tosa_s5,      Campaign::exact_ties, Campaign::rule_cutoffs,   Campaign::specials,
      Campaign::e8m0_extremes};
  std::vector<Campaign> out;
  for (Campaign c : order) {
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), c) != wanted.end())
      out.push_back(c);
  }
  return out;
}

}  // namespace

rc::Gen<int64_t> gen_dim() {
  return rc::gen::weightedOneOf<int64_t>({
      {4, rc::gen::element<int64_t>(1, 2, 3, 5, 7, 11, 13)},
      {3, rc::gen::inRange<int64_t>(1, 33)},
      {1, rc::gen::element<int64_t>(64, 97, 128, 257, 1024)},
  });
}

rc::Gen<std::vector<int64_t>> gen_dim_order(size_t rank) {
  return rc::gen::elementOf(permutations(rank));
}

rc::Gen<int64_t> gen_k_blocks(int max_blocks) {
  return rc::gen::weightedOneOf<int64_t>({
      {8, rc::gen::inRange<int64_t>(1, 9)},
      {2, rc::gen::inRange<int64_t>(1, std::min(max_blocks, 32) + 1)},
      {1, rc::gen::inRange<int64_t>(1, int64_t(max_blocks) + 1)},
  });
}

constexpr int64_t kMaxInputElements = int64_t{1} << 20;  // M * K

rc::Gen<pipeline::ModelSpec> gen_model_k(int max_k_blocks,
                                         std::vector<formats::ScaleRule> weight_rules = {}) {
  return rc::gen::withSize([max_k_blocks, weight_rules](int size) {
    return rc::gen::exec([size, max_k_blocks, weight_rules] {
      pipeline::ModelSpec m;
      const int64_t budget = std::max<int64_t>(16, 16 * int64_t(size));  // M * N per layer
      const size_t rank = size_t(*rc::gen::inRange(1, 5));
      const int layers = *rc::gen::weightedElement<int>({{6, 1}, {2, 2}, {1, 3}});
      const int64_t k0 = 32 * *gen_k_blocks(max_k_blocks);
      int64_t n_max = 1;
      std::vector<int64_t> ns;
      for (int i = 0; i < layers; ++i) {
        // Hidden widths must be whole blocks; the last width is any N >= 1.
        const int64_t n = (i + 1 < layers)
                              ? 32 * *rc::gen::inRange<int64_t>(1, 5)
                              : *rc::gen::inRange<int64_t>(1, std::min<int64_t>(budget, 128) + 1);
        ns.push_back(n);
        n_max = std::max(n_max, n);
      }
      std::vector<int64_t> shape;
      int64_t m_rows = 1;
      for (size_t d = 0; d + 1 < rank; ++d) {
        int64_t dim = *gen_dim();
        dim = std::max<int64_t>(1, std::min(dim, budget / (m_rows * n_max)));
        // And at most kMaxInputElements input elements, which bounds a case's memory (the run
        // holds several copies of the activations, some as doubles) whatever K is.
        dim = std::max<int64_t>(1, std::min(dim, kMaxInputElements / (m_rows * k0)));
        shape.push_back(dim);
        m_rows *= dim;
      }
      shape.push_back(k0);
      m.input.shape = shape;
      if (*rc::gen::weightedElement<int>({{3, 0}, {1, 1}}))
        m.input.dim_order = *gen_dim_order(rank);
      m.input.dtype = *rc::gen::weightedElement<pipeline::DType>(
          {{3, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
      m.output.dtype = *rc::gen::weightedElement<pipeline::DType>(
          {{4, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
      const formats::ElementType payload = *rc::gen::elementOf(std::vector<formats::ElementType>(
          std::begin(formats::kAllElementTypes), std::end(formats::kAllElementTypes)));
      int64_t k = k0;
      for (int i = 0; i < layers; ++i) {
        pipeline::LayerSpec l;
        l.in_features = k;
        l.out_features = ns[size_t(i)];
        l.bias = *rc::gen::arbitrary<bool>();
        l.payload = payload;  // one payload type per case: MATMUL_T_BLOCK_SCALED forbids mixing
        l.weight_scale_rule =
            *rc::gen::weightedElement<formats::ScaleRule>({{4, formats::ScaleRule::rceil},
                                                           {1, formats::ScaleRule::tosa},
                                                           {1, formats::ScaleRule::tosa_pre44},
                                                           {1, formats::ScaleRule::ocp}});
        if (!weight_rules.empty() && std::find(weight_rules.begin(), weight_rules.end(),
                                               l.weight_scale_rule) == weight_rules.end())
          l.weight_scale_rule = weight_rules[size_t(l.weight_scale_rule) % weight_rules.size()];
        l.weights.seed = *rc::gen::inRange<uint64_t>(0, 1u << 30);
        m.layers.push_back(l);
        k = l.out_features;
      }
      return m;
    });
  });
}

rc::Gen<pipeline::ModelSpec> gen_model() {
  return gen_model_k(256);
}

rc::Gen<Case> gen_valid_case(const GenConfig& cfg) {
  return rc::gen::exec([cfg] {
    Case c;
    c.model = *gen_model_k(cfg.max_k_blocks, cfg.weight_rules);
    c.data.campaign = *rc::gen::elementOf(campaign_order(cfg.campaigns));
    c.data.seed = *rc::gen::inRange<uint64_t>(0, 1u << 30);
    if (c.data.campaign == Campaign::normal)
      c.data.params = {{"magnitude", *rc::gen::inRange(-20, 21)}};
    const bool bf16 = c.model.input.dtype == pipeline::DType::bf16 ||
                      c.model.output.dtype == pipeline::DType::bf16;
    c.target.profile = pipeline::Target::parse(bf16 ? "TOSA-1.1+FP+mxfp+bf16" : "TOSA-1.1+FP+mxfp");
    c.target.cast_rule = cfg.cast_rule;
    // Drawn last, so the draws above (and earlier runs' cases) are unchanged. Shrinks to false.
    if (c.model.input.shape.size() >= 3) c.lowering.batched_matmul = *rc::gen::arbitrary<bool>();
    return c;
  });
}

rc::Gen<Case> gen_invalid_case(const GenConfig& cfg) {
  return rc::gen::exec([cfg] {
    Case c = *gen_valid_case(cfg);
    const InvalidRule r = *rc::gen::elementOf(
        std::vector<InvalidRule>(std::begin(kAllInvalidRules), std::end(kAllInvalidRules)));
    c.expect.rule = r;
    c.expect.code = expected_code(r);
    return c;
  });
}

rc::Gen<Case> gen_case(const GenConfig& cfg) {
  const int invalid_weight = int(std::lround(cfg.invalid_fraction * 1000));
  if (invalid_weight <= 0) return gen_valid_case(cfg);
  return rc::gen::weightedOneOf<Case>(
      {{uint32_t(1000 - std::min(invalid_weight, 1000)), gen_valid_case(cfg)},
       {uint32_t(std::min(invalid_weight, 1000)), gen_invalid_case(cfg)}});
}

rc::Shrinkable<Case> case_at(const GenConfig& cfg, uint64_t run_seed, uint64_t index) {
  const int size = int(index % 101);  // sizes 0..100 cycle, as RapidCheck's own runs do
  return gen_case(cfg)(rc::Random(mix(run_seed, index)), size);
}

}  // namespace mxconf::generators

namespace mxconf::generators {

std::mutex& generation_mutex() {
  static std::mutex mu;
  return mu;
}

Case generate_case(const GenConfig& cfg, uint64_t run_seed, uint64_t index) {
  std::lock_guard<std::mutex> lock(generation_mutex());
  return case_at(cfg, run_seed, index).value();
}

}  // namespace mxconf::generators

#include "mxconf/generators/case_gen.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "mxconf/pipeline/layer_ops.h"

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

// A payload the operator's TOSA type support takes (its row's list, in the row's order).
rc::Gen<formats::ElementType> gen_payload(pipeline::LayerKind kind) {
  const auto& p = pipeline::layer_op(kind).payloads;
  return rc::gen::elementOf(std::vector<formats::ElementType>(p.begin(), p.end()));
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

// A layer's bias flag, payload (the case's one), weight scale rule (mostly RCEIL, torchao's
// default; mapped onto `weight_rules` without another draw) and weight seed, in that draw order.
void draw_layer_numbers(pipeline::LayerSpec& l, formats::ElementType payload,
                        const std::vector<formats::ScaleRule>& weight_rules) {
  l.bias = *rc::gen::arbitrary<bool>();
  l.payload = payload;
  l.weight_scale_rule =
      *rc::gen::weightedElement<formats::ScaleRule>({{4, formats::ScaleRule::rceil},
                                                     {1, formats::ScaleRule::tosa},
                                                     {1, formats::ScaleRule::tosa_pre44},
                                                     {1, formats::ScaleRule::ocp}});
  if (!weight_rules.empty() && std::find(weight_rules.begin(), weight_rules.end(),
                                         l.weight_scale_rule) == weight_rules.end())
    l.weight_scale_rule = weight_rules[size_t(l.weight_scale_rule) % weight_rules.size()];
  l.weights.seed = *rc::gen::inRange<uint64_t>(0, 1u << 30);
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
      const formats::ElementType payload = *gen_payload(pipeline::LayerKind::linear);
      int64_t k = k0;
      for (int i = 0; i < layers; ++i) {
        pipeline::LayerSpec l;
        l.geometry = pipeline::LinearGeom{k, ns[size_t(i)]};
        // The case's payload for now; draw_mixed_payloads may give later layers others.
        draw_layer_numbers(l, payload, weight_rules);
        m.layers.push_back(l);
        k = ns[size_t(i)];
      }
      return m;
    });
  });
}

rc::Gen<pipeline::ModelSpec> gen_model() {
  return gen_model_k(256);
}

namespace {

// Drawn together, then made legal: the dilated kernel must fit the padded input and the stride
// must divide the span exactly (TOSA's idiv_check). Each repair moves toward the shrink target
// (smaller kernel, dilation 1, stride 1), so shrinking stays within legal shapes.
struct AxisDraw {
  int64_t kernel, stride, dilation, pad_a, pad_b;
};

AxisDraw legal_axis(int64_t in, AxisDraw a) {
  if (in - 1 + a.pad_a + a.pad_b - (a.kernel - 1) * a.dilation < 0) a.dilation = 1;
  a.kernel = std::min(a.kernel, in + a.pad_a + a.pad_b);
  const int64_t span = in - 1 + a.pad_a + a.pad_b - (a.kernel - 1) * a.dilation;
  while (span % a.stride != 0) --a.stride;
  return a;
}

// level_limits: one conv whose geometry sits exactly on a level-8K limit (MAX_KERNEL =
// MAX_STRIDE = 8192), on one axis, on a 1-pixel image so it stays cheap. Valid cases elsewhere
// never reach a limit (the invalid rules visit only the far side), so a check made strict at the
// limit itself would pass every other case. Each geometry keeps the output-size ERROR_IF exact:
//   0: dilation * K = 8192 (K 1, 2 or 4), the top pad filling the kernel's extent;
//   1: pad = stride = 8192 (output 2: one pixel all padding, one all image);
//   2: stride = 8192 alone.
rc::Gen<pipeline::ModelSpec> gen_level_limit_conv(std::vector<formats::ScaleRule> weight_rules) {
  return rc::gen::exec([weight_rules] {
    constexpr int64_t kLimit = 8192;
    const int which = *rc::gen::inRange(0, 3);
    const bool on_x = *rc::gen::arbitrary<bool>();
    AxisDraw at{1, 1, 1, 0, 0}, other{1, 1, 1, 0, 0};  // kernel, stride, dilation, pads
    if (which == 0) {
      at.kernel = *rc::gen::element<int64_t>(1, 2, 4);
      at.dilation = kLimit / at.kernel;
      at.pad_a = (at.kernel - 1) * at.dilation;  // the extent reaches the single input pixel
    } else if (which == 1) {
      at.pad_a = at.stride = kLimit;
    } else {
      at.stride = kLimit;
    }
    other.kernel = *rc::gen::inRange<int64_t>(1, 4);
    const int64_t other_side = other.kernel + *rc::gen::inRange<int64_t>(0, 3);
    const AxisDraw y = on_x ? other : at, x = on_x ? at : other;
    pipeline::Conv2dGeom g;
    g.in_channels = 32 * *rc::gen::inRange<int64_t>(1, 3);
    g.out_channels = *rc::gen::inRange<int64_t>(1, 9);
    g.kernel = {y.kernel, x.kernel};
    g.stride = {y.stride, x.stride};
    g.dilation = {y.dilation, x.dilation};
    g.pad = {y.pad_a, y.pad_b, x.pad_a, x.pad_b};
    g.symmetric = y.pad_a == y.pad_b && x.pad_a == x.pad_b;
    pipeline::ModelSpec m;
    pipeline::LayerSpec l;
    l.geometry = g;
    const formats::ElementType payload = *gen_payload(pipeline::LayerKind::conv2d);
    draw_layer_numbers(l, payload, weight_rules);
    m.layers.push_back(l);
    m.input.shape = {1, g.in_channels, on_x ? other_side : 1, on_x ? 1 : other_side};
    m.input.dtype = *rc::gen::weightedElement<pipeline::DType>(
        {{3, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
    m.output.dtype = *rc::gen::weightedElement<pipeline::DType>(
        {{4, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
    if (*rc::gen::arbitrary<bool>()) m.input.dim_order = {0, 2, 3, 1};
    return m;
  });
}

// A conv2d chain (conv2d-block-scaled.md): N 1-2; H, W 1..33 (1, primes, non-square); IC 32-256;
// OC 1-64; kernels 1x1..7x7; strides, dilations 1-3; padding 0-3, sometimes asymmetric. The
// multiply-accumulates are bounded by the RapidCheck size, so the exact oracle stays quick.
// padding_heavy: windows mostly in the padding (pad >= kernel - 1 on a small image).
rc::Gen<pipeline::ModelSpec> gen_conv_model(Campaign campaign,
                                            std::vector<formats::ScaleRule> weight_rules) {
  if (campaign == Campaign::level_limits) return gen_level_limit_conv(std::move(weight_rules));
  return rc::gen::withSize([campaign, weight_rules](int size) {
    return rc::gen::exec([size, campaign, weight_rules] {
      const bool padding_heavy = campaign == Campaign::padding_heavy;
      const int64_t budget = 20000 + 6000 * int64_t(size);  // MACs per output pixel x pixels
      auto small = [](int64_t lo, int64_t hi) {
        return *rc::gen::weightedOneOf<int64_t>(
            {{3, rc::gen::just(lo)}, {2, rc::gen::inRange<int64_t>(lo, hi + 1)}});
      };
      auto kernel = [] {
        return *rc::gen::weightedOneOf<int64_t>(
            {{3, rc::gen::element<int64_t>(1, 3)}, {1, rc::gen::inRange<int64_t>(1, 8)}});
      };
      auto side = [] {
        return *rc::gen::weightedOneOf<int64_t>(
            {{3, rc::gen::element<int64_t>(1, 2, 3, 5, 7, 11, 13)},
             {2, rc::gen::inRange<int64_t>(1, 34)}});
      };
      // 1. Channels and the per-axis draws of every layer, before the image size.
      const int layers = *rc::gen::weightedElement<int>({{5, 1}, {2, 2}});
      const int64_t n = *rc::gen::weightedElement<int64_t>({{4, 1}, {1, 2}});
      const int64_t ic =
          32 * *rc::gen::weightedOneOf<int64_t>(
                   {{4, rc::gen::inRange<int64_t>(1, 3)}, {1, rc::gen::inRange<int64_t>(1, 9)}});
      const formats::ElementType payload = *gen_payload(pipeline::LayerKind::conv2d);
      pipeline::ModelSpec m;
      std::vector<std::pair<AxisDraw, AxisDraw>> axes;
      int64_t channels = ic, per_pixel = 0;
      for (int i = 0; i < layers; ++i) {
        pipeline::LayerSpec l;
        pipeline::Conv2dGeom g;
        g.in_channels = channels;
        g.out_channels = (i + 1 < layers) ? 32 * *rc::gen::inRange<int64_t>(1, 3)
                                          : *rc::gen::inRange<int64_t>(1, 65);
        AxisDraw y{kernel(), small(1, 3), small(1, 3), small(0, 3), 0};
        AxisDraw x{kernel(), small(1, 3), small(1, 3), small(0, 3), 0};
        const bool asymmetric = *rc::gen::weightedElement<int>({{4, 0}, {1, 1}});
        y.pad_b = asymmetric ? small(0, 3) : y.pad_a;
        x.pad_b = asymmetric ? small(0, 3) : x.pad_a;
        if (padding_heavy) {
          y.pad_a = y.pad_b = std::max<int64_t>(y.kernel - 1, 1);
          x.pad_a = x.pad_b = std::max<int64_t>(x.kernel - 1, 1);
        }
        axes.emplace_back(y, x);
        per_pixel += g.out_channels * y.kernel * x.kernel * g.in_channels;
        l.geometry = g;
        draw_layer_numbers(l, payload, weight_rules);
        channels = g.out_channels;
        m.layers.push_back(l);
      }
      // 2. The image: non-square sides, cut down (never below 1) until the chain's
      // multiply-accumulates fit the budget; padding_heavy keeps it tiny.
      int64_t h = side(), w = side();
      if (padding_heavy) h = std::min<int64_t>(h, 3), w = std::min<int64_t>(w, 3);
      while (n * h * w * per_pixel > budget && (h > 1 || w > 1)) {
        if (h >= w)
          h = (h + 1) / 2;
        else
          w = (w + 1) / 2;
      }
      m.input.shape = {n, ic, h, w};
      // 3. Each layer made legal for the size it sees.
      for (size_t i = 0; i < m.layers.size(); ++i) {
        const AxisDraw y = legal_axis(h, axes[i].first), x = legal_axis(w, axes[i].second);
        auto& c = std::get<pipeline::Conv2dGeom>(m.layers[i].geometry);
        c.kernel = {y.kernel, x.kernel};
        c.stride = {y.stride, x.stride};
        c.dilation = {y.dilation, x.dilation};
        c.pad = {y.pad_a, y.pad_b, x.pad_a, x.pad_b};
        c.symmetric = y.pad_a == y.pad_b && x.pad_a == x.pad_b;
        h = pipeline::conv_output_size(h, y.pad_a, y.pad_b, y.kernel, y.dilation, y.stride);
        w = pipeline::conv_output_size(w, x.pad_a, x.pad_b, x.kernel, x.dilation, x.stride);
      }
      m.input.dtype = *rc::gen::weightedElement<pipeline::DType>(
          {{3, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
      m.output.dtype = *rc::gen::weightedElement<pipeline::DType>(
          {{4, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
      const int order = *rc::gen::weightedElement<int>({{2, 0}, {2, 1}, {1, 2}});
      if (order == 1) m.input.dim_order = {0, 2, 3, 1};  // channels_last, the common one
      if (order == 2) m.input.dim_order = *gen_dim_order(4);
      if (*rc::gen::weightedElement<int>({{3, 0}, {1, 1}})) m.output.dim_order = {0, 2, 3, 1};
      return m;
    });
  });
}

// An MX embedding read by indices (issue 24): a table of V rows (1-64, sometimes up to 4096) of
// D = 32-256 values, W = 1-64 indices [1, W] (the first 0 and the last V - 1, campaign_input),
// every payload, no bias; fp32 or bf16 output.
rc::Gen<pipeline::ModelSpec> gen_embedding_model(std::vector<formats::ScaleRule> weight_rules) {
  return rc::gen::exec([weight_rules] {
    pipeline::EmbeddingGeom g;
    g.num_embeddings = *rc::gen::weightedOneOf<int64_t>(
        {{4, rc::gen::inRange<int64_t>(1, 65)}, {1, rc::gen::inRange<int64_t>(65, 4097)}});
    g.embedding_dim = 32 * *rc::gen::inRange<int64_t>(1, 9);
    pipeline::ModelSpec m;
    pipeline::LayerSpec l;
    l.geometry = g;
    draw_layer_numbers(l, *gen_payload(pipeline::LayerKind::embedding), weight_rules);
    l.bias = false;
    m.layers.push_back(l);
    m.input.shape = {1, *rc::gen::weightedOneOf<int64_t>({{1, rc::gen::just<int64_t>(1)},
                                                          {4, rc::gen::inRange<int64_t>(1, 65)}})};
    m.input.dtype = pipeline::DType::int32;
    m.output.dtype = *rc::gen::weightedElement<pipeline::DType>(
        {{4, pipeline::DType::fp32}, {1, pipeline::DType::bf16}});
    return m;
  });
}

// How each layer operator's cases are drawn, in operator-table order. The first row's model is
// drawn first for every case (and replaced when another operator is drawn), so the cases a seed
// made before later operators existed are still made. `weight`: the share of cases an operator
// gets when every operator is allowed; `campaigns`: the campaigns only this operator has.
struct OpDraw {
  pipeline::LayerKind kind;
  int weight;
  std::vector<Campaign> campaigns;
  rc::Gen<pipeline::ModelSpec> (*model)(const GenConfig& cfg, Campaign campaign);
  void (*lowering)(Case& c);  // the lowering options the operator varies
  // Drawn only when --ops names it: an operator added after runs were pinned (the default
  // streams, and every expectation over them, keep their cases).
  bool opt_in = false;
};

// rc::gen::weightedElement over weights known only at run time (it takes an initializer_list):
// its own generator, so the same weights draw what weightedElement would draw.
rc::Gen<size_t> weighted_index(std::vector<size_t> weights) {
  std::vector<size_t> index(weights.size());
  std::iota(index.begin(), index.end(), size_t{0});
  return rc::gen::detail::WeightedElementGen<size_t>(std::move(weights), std::move(index));
}

const OpDraw kOpDraws[] = {
    {pipeline::LayerKind::linear,
     3,
     {},
     [](const GenConfig& cfg, Campaign) { return gen_model_k(cfg.max_k_blocks, cfg.weight_rules); },
     [](Case& c) {
       // Shrinks to false.
       if (c.model.input.shape.size() >= 3) c.lowering.batched_matmul = *rc::gen::arbitrary<bool>();
       // One linear case in 4 casts first and moves the MX tensor with RESHAPE_BLOCK_SCALED.
       // Which one follows the data seed, drawn already: no draw is added, so every other choice
       // of a seed's case stays what it was.
       c.lowering.reshape_after_cast = (c.data.seed >> 3) % 4 == 0;
     }},
    {pipeline::LayerKind::conv2d,
     1,
     {Campaign::padding_heavy, Campaign::level_limits},
     [](const GenConfig& cfg, Campaign campaign) {
       return gen_conv_model(campaign, cfg.weight_rules);
     },
     [](Case& c) {
       // Both graph forms: folded round trips (the default) and every TRANSPOSE kept.
       c.lowering.fold_transposes = !*rc::gen::weightedElement<bool>({{3, false}, {1, true}});
     }},
    {pipeline::LayerKind::embedding,
     1,
     {},
     [](const GenConfig& cfg, Campaign) { return gen_embedding_model(cfg.weight_rules); },
     [](Case&) {},
     /*opt_in=*/true},
};

bool wanted(const std::vector<Campaign>& campaigns, Campaign c) {
  return campaigns.empty() || std::count(campaigns.begin(), campaigns.end(), c);
}

// Mixed precision per layer, a common way to use MX: in one multi-layer case in three, each
// layer after the first draws its own payload (one op never mixes: each layer's activations are
// cast to its own weights' payload). Drawn after everything else, so every other draw of a case is
// what it was before mixing existed.
void draw_mixed_payloads(pipeline::ModelSpec& m) {
  if (m.layers.size() < 2 || !*rc::gen::weightedElement<bool>({{2, false}, {1, true}})) return;
  const pipeline::LayerKind kind = m.layers[0].kind();
  for (size_t i = 1; i < m.layers.size(); ++i) m.layers[i].payload = *gen_payload(kind);
}

// The operators a configuration lets cases exercise: those --ops names that can run one of the
// campaigns asked for (a shared one, or one of their own).
std::vector<const OpDraw*> allowed_ops(const GenConfig& cfg) {
  const bool shared_campaigns = !campaign_order(cfg.campaigns).empty();
  std::vector<const OpDraw*> allowed;
  for (const OpDraw& d : kOpDraws) {
    const bool own = std::any_of(d.campaigns.begin(), d.campaigns.end(),
                                 [&](Campaign x) { return wanted(cfg.campaigns, x); });
    if ((cfg.ops.empty() ? !d.opt_in : std::count(cfg.ops.begin(), cfg.ops.end(), d.kind) > 0) &&
        (shared_campaigns || own))
      allowed.push_back(&d);
  }
  return allowed;
}

}  // namespace

std::string check_config(const GenConfig& cfg) {
  if (!allowed_ops(cfg).empty()) return {};
  std::string campaigns;
  for (Campaign c : cfg.campaigns)
    campaigns += (campaigns.empty() ? "" : ", ") + std::string(name(c));
  std::string ops;
  for (pipeline::LayerKind k : cfg.ops)
    ops += (ops.empty() ? "" : ", ") + std::string(pipeline::name(k));
  return "no operator asked for (" + ops + ") can run the campaigns asked for (" + campaigns + ")";
}

rc::Gen<Case> gen_valid_case(const GenConfig& cfg) {
  return rc::gen::exec([cfg] {
    Case c;
    c.model = *kOpDraws[0].model(cfg, Campaign::uniform);
    const bool shared_campaigns = !campaign_order(cfg.campaigns).empty();
    if (shared_campaigns) c.data.campaign = *rc::gen::elementOf(campaign_order(cfg.campaigns));
    c.data.seed = *rc::gen::inRange<uint64_t>(0, 1u << 30);
    if (c.data.campaign == Campaign::normal)
      c.data.params = {{"magnitude", *rc::gen::inRange(-20, 21)}};
    c.target.cast_rule = cfg.cast_rule;
    // Drawn last, so the draws above (and earlier runs' cases) are unchanged.
    kOpDraws[0].lowering(c);
    // The operator, after everything the first row's case draws. Shrinks to the first row. An
    // operator is allowed when --ops names it and, if --campaign is given, a campaign it can run
    // is among them (a shared one, or one of its own).
    std::vector<const OpDraw*> allowed = allowed_ops(cfg);
    std::vector<size_t> weights;
    for (const OpDraw* d : allowed) weights.push_back(size_t(d->weight));
    if (allowed.empty()) throw std::invalid_argument(check_config(cfg));
    const OpDraw& op =
        allowed.size() == 1 ? *allowed[0] : *allowed[*weighted_index(std::move(weights))];
    if (op.kind != kOpDraws[0].kind) {
      // One of the operator's own campaigns in one case in 13 (always, when no shared one is
      // wanted); which one follows the data seed, drawn already, so no draw is added.
      std::vector<Campaign> own;
      for (Campaign x : op.campaigns)
        if (wanted(cfg.campaigns, x)) own.push_back(x);
      if (!own.empty() && (!shared_campaigns || *rc::gen::weightedElement<int>({{12, 0}, {1, 1}})))
        c.data.campaign = own[c.data.seed % own.size()];
      c.model = *op.model(cfg, c.data.campaign);
      c.lowering = {};
      op.lowering(c);
    }
    c.target.profile = pipeline::Target::parse(pipeline::default_target_text(c.model));
    if (cfg.vary_cast_rule) {
      c.target.cast_rule = *rc::gen::elementOf(std::vector<formats::ScaleRule>(
          std::begin(formats::kAllScaleRules), std::end(formats::kAllScaleRules)));
    }
    draw_mixed_payloads(c.model);
    return c;
  });
}

std::vector<RulePoint> rule_points(const GenConfig& cfg) {
  std::vector<InvalidRule> rules;
  uint32_t most = 0;
  for (InvalidRule r : kAllInvalidRules) {
    const auto ops = allowed_ops(cfg);
    if (std::any_of(ops.begin(), ops.end(),
                    [&](const OpDraw* d) { return applies_to(r, d->kind); })) {
      rules.push_back(r);
      most = std::max(most, variants(r));
    }
  }
  // Variant-major: every rule's first point, then every second point, ..., so each rule comes
  // back every few cases and its points in turn.
  std::vector<RulePoint> points;
  for (uint32_t v = 0; v < most; ++v)
    for (InvalidRule r : rules)
      if (v < variants(r)) points.push_back({r, v});
  return points;
}

std::optional<uint64_t> invalid_ordinal(double invalid_fraction, uint64_t index) {
  const uint64_t per_mille =
      uint64_t(std::clamp<long>(std::lround(invalid_fraction * 1000), 0, 1000));
  const uint64_t before = index * per_mille / 1000, after = (index + 1) * per_mille / 1000;
  if (after == before) return std::nullopt;
  return before;
}

rc::Gen<Case> gen_invalid_case(const GenConfig& cfg, RulePoint point) {
  // The base case is drawn among the operators the rule is about.
  GenConfig base = cfg;
  base.ops.clear();
  for (const OpDraw* d : allowed_ops(cfg))
    if (applies_to(point.rule, d->kind)) base.ops.push_back(d->kind);
  return rc::gen::map(gen_valid_case(base), [point](Case c) {
    c.expect.rule = point.rule;
    c.expect.code = expected_code(point.rule);
    c.expect.variant = point.variant;
    return c;
  });
}

rc::Shrinkable<Case> case_at(const GenConfig& cfg, uint64_t run_seed, uint64_t index) {
  const int size = int(index % 101);  // sizes 0..100 cycle, as RapidCheck's own runs do
  const rc::Random random(mix(run_seed, index));
  if (const auto j = invalid_ordinal(cfg.invalid_fraction, index)) {
    const std::vector<RulePoint> points = rule_points(cfg);
    if (!points.empty()) return gen_invalid_case(cfg, points[*j % points.size()])(random, size);
  }
  return gen_valid_case(cfg)(random, size);
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

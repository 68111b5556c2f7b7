#include <chrono>

#include "mxconf/runner/shrink.h"

#include <mutex>

namespace mxconf::runner {
namespace {

using generators::Case;

template <typename Push>
void conv_reductions(const Case& c, Push&& push);
template <typename Push>
void linear_reductions(const Case& c, Push&& push);
template <typename Push>
void common_reductions(const Case& c, Push&& push);

// One-step simplifications of a case, simplest first.
std::vector<Case> reductions(const Case& c) {
  std::vector<Case> out;
  auto push = [&](Case x) {
    if (!(x == c)) out.push_back(std::move(x));
  };
  const auto& m = c.model;
  if (m.layers.size() > 1) {  // keep the first layer only, its output the model's
    Case x = c;
    x.model.layers.resize(1);
    push(x);
  }
  if (m.layers[0].kind == pipeline::LayerKind::conv2d) {
    conv_reductions(c, push);
  } else {
    linear_reductions(c, push);
  }
  common_reductions(c, push);
  return out;
}

// A conv2d candidate is kept only when every layer's output size is still legal.
bool legal(const pipeline::ModelSpec& m) {
  try {
    pipeline::parse_model(pipeline::to_json(m));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

template <typename Push>
void conv_reductions(const Case& c, Push&& push) {
  const auto& m = c.model;
  auto try_push = [&](Case x) {
    if (legal(x.model)) push(std::move(x));
  };
  for (size_t d : {size_t(0), size_t(2), size_t(3)}) {  // fewer images, fewer rows / columns
    if (m.input.shape[d] > 1) {
      Case x = c;
      x.model.input.shape[d] = std::max<int64_t>(1, m.input.shape[d] / 2);
      try_push(x);
    }
  }
  for (size_t i = 0; i < m.layers.size(); ++i) {  // toward 1x1, stride 1, no padding or dilation
    const pipeline::Conv2dParams& g = m.layers[i].conv;
    auto variant = [&](auto&& edit) {
      Case x = c;
      edit(x.model.layers[i].conv);
      x.model.layers[i].weights.kind = pipeline::ValueSource::Kind::seed;  // fits any kernel
      x.model.layers[i].weights.values.clear();
      if (!(x.model.layers[i].conv == g)) try_push(x);
    };
    variant([](pipeline::Conv2dParams& p) { p.kernel = {1, 1}; });
    variant([](pipeline::Conv2dParams& p) { p.stride = {1, 1}; });
    variant([](pipeline::Conv2dParams& p) { p.dilation = {1, 1}; });
    variant([](pipeline::Conv2dParams& p) {
      p.pad = {0, 0, 0, 0};
      p.symmetric = true;
    });
  }
  if (m.layers[0].in_features > 32) {  // fewer input channels (whole blocks)
    Case x = c;
    const int64_t ic = std::max<int64_t>(32, (m.layers[0].in_features / 64) * 32);
    x.model.layers[0].in_features = ic;
    x.model.input.shape[1] = ic;
    x.model.layers[0].weights = {};
    try_push(x);
  }
}

template <typename Push>
void linear_reductions(const Case& c, Push&& push) {
  const auto& m = c.model;
  if (m.input.shape.size() > 1) {  // lower the rank: fold the leading dims into one of 1
    Case x = c;
    x.model.input.shape = {m.input.shape.back()};
    x.model.input.dim_order.clear();
    x.model.output.dim_order.clear();
    push(x);
  }
  for (size_t d = 0; d + 1 < m.input.shape.size(); ++d) {  // fewer rows
    if (m.input.shape[d] > 1) {
      Case x = c;
      x.model.input.shape[d] = std::max<int64_t>(1, m.input.shape[d] / 2);
      push(x);
    }
  }
  if (m.layers[0].in_features > 32) {  // fewer blocks along K (whole blocks)
    Case x = c;
    const int64_t k = std::max<int64_t>(32, (m.layers[0].in_features / 64) * 32);
    x.model.layers[0].in_features = k;
    x.model.input.shape.back() = k;
    if (x.model.layers[0].weights.kind != pipeline::ValueSource::Kind::seed)
      x.model.layers[0].weights = {};
    push(x);
  }
}

// For either operator: contiguous layouts, fewer outputs of the last layer (whose width no
// other layer reads), no bias, fp32, plainer data.
template <typename Push>
void common_reductions(const Case& c, Push&& push) {
  const auto& m = c.model;
  if (!m.input.dim_order.empty() || !m.output.dim_order.empty()) {
    Case x = c;
    x.model.input.dim_order.clear();
    x.model.output.dim_order.clear();
    push(x);
  }
  const auto& last = m.layers.back();
  if (last.out_features > 1) {
    Case x = c;
    x.model.layers.back().out_features = std::max<int64_t>(1, last.out_features / 2);
    x.model.layers.back().weights = {};
    // Inline bias values have N entries; a seeded (or derived) source fits any N.
    auto& bv = x.model.layers.back().bias_values;
    if (bv && bv->kind != pipeline::ValueSource::Kind::seed) bv.reset();
    push(x);
  }
  for (size_t i = 0; i < m.layers.size(); ++i) {
    if (m.layers[i].bias) {
      Case x = c;
      x.model.layers[i].bias = false;
      x.model.layers[i].bias_values.reset();
      push(x);
    }
  }
  if (m.input.dtype != pipeline::DType::fp32 || m.output.dtype != pipeline::DType::fp32) {
    Case x = c;
    x.model.input.dtype = x.model.output.dtype = pipeline::DType::fp32;
    push(x);
  }
  if (c.data.campaign != generators::Campaign::uniform &&
      c.data.campaign != generators::Campaign::fixed) {
    Case x = c;
    x.data.campaign = generators::Campaign::uniform;
    x.data.params = nlohmann::json::object();
    push(x);
  }
  if (c.data.seed != 0) {
    Case x = c;
    x.data.seed = 0;
    push(x);
  }
}

}  // namespace

std::string failure_signature(const CaseResult& r) {
  std::string s = std::string(name(r.verdict)) + ":";
  if (r.failed_tier) s += name(*r.failed_tier);
  if (r.error_stage) s += name(*r.error_stage);
  return s;
}

Case shrink_case(const Case& c, const generators::GenConfig* gen, uint64_t run_seed, uint64_t index,
                 const std::function<bool(const Case&)>& still_fails, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };
  Case best = c;
  // RapidCheck's own shrink tree first: it moves every generated choice toward its simplest.
  if (gen) {
    std::unique_lock<std::mutex> lock(generators::generation_mutex());
    rc::Shrinkable<Case> cur = generators::case_at(*gen, run_seed, index);
    lock.unlock();
    bool progressed = true;
    while (progressed && in_time()) {
      progressed = false;
      lock.lock();
      auto shrinks = cur.shrinks();
      lock.unlock();
      while (true) {
        lock.lock();
        auto next = shrinks.next();
        Case cand;
        if (next) cand = next->value();
        lock.unlock();
        if (!next || !in_time()) break;
        if (still_fails(cand)) {
          cur = *next;
          best = cand;
          progressed = true;
          break;
        }
      }
    }
  }
  // Then the block-wise reducer, to a fixpoint.
  bool progressed = true;
  while (progressed && in_time()) {
    progressed = false;
    for (const Case& cand : reductions(best)) {
      if (!in_time()) break;
      if (still_fails(cand)) {
        best = cand;
        progressed = true;
        break;
      }
    }
  }
  return best;
}

}  // namespace mxconf::runner

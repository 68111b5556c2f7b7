#include <chrono>

#include "mxconf/runner/shrink.h"

#include <mutex>

namespace mxconf::runner {
namespace {

using generators::Case;

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
  if (!m.input.dim_order.empty() || !m.output.dim_order.empty()) {
    Case x = c;
    x.model.input.dim_order.clear();
    x.model.output.dim_order.clear();
    push(x);
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
  return out;
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

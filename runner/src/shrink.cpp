#include <chrono>

#include "mxconf/pipeline/layer_ops.h"
#include "mxconf/runner/shrink.h"

#include <mutex>

namespace mxconf::runner {
namespace {

using generators::Case;

template <typename Push>
void common_reductions(const Case& c, Push&& push);

// Whether a candidate is still a model the description's reader accepts (every layer's output
// size legal, every width aligned).
bool legal(const pipeline::ModelSpec& m) {
  try {
    pipeline::parse_model(pipeline::to_json(m));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Values given inline (or in a file) no longer fit a layer whose shape changed: a seeded source
// fits any shape (a seeded one is kept as it is).
void refit(pipeline::ValueSource& s) {
  if (s.kind != pipeline::ValueSource::Kind::seed) s = {};
}
void refit_bias(pipeline::LayerSpec& l) {
  if (l.bias_values && l.bias_values->kind != pipeline::ValueSource::Kind::seed)
    l.bias_values.reset();
}

// One-step simplifications of a case, simplest first, for any operator: the operator table says
// where its K axis is, how low its rank may go, its widths and its simpler geometries.
std::vector<Case> reductions(const Case& c) {
  std::vector<Case> out;
  auto push = [&](Case x) {
    if (!(x == c) && legal(x.model)) out.push_back(std::move(x));
  };
  const auto& m = c.model;
  const pipeline::LayerOp& op = pipeline::layer_op(m.layers[0].geometry);
  const size_t rank = m.input.shape.size();
  // A layer that reads indices has no K axis: every input dim may shrink (rank: none matches).
  const size_t k_axis = op.index_input ? rank : op.k_axis(rank);
  if (m.layers.size() > 1) {  // keep the first layer only, its output the model's
    Case x = c;
    x.model.layers.resize(1);
    push(x);
  }
  if (rank > op.min_rank) {  // lower the rank: only the trailing dims the operator needs
    Case x = c;
    x.model.input.shape.assign(m.input.shape.end() - long(op.min_rank), m.input.shape.end());
    x.model.input.dim_order.clear();
    x.model.output.dim_order.clear();
    push(x);
  }
  for (size_t d = 0; d < rank; ++d) {  // fewer rows, images, pixels: every dim but K's
    if (d != k_axis && m.input.shape[d] > 1) {
      Case x = c;
      x.model.input.shape[d] = std::max<int64_t>(1, m.input.shape[d] / 2);
      push(x);
    }
  }
  for (size_t i = 0; i < m.layers.size(); ++i) {  // each layer's simpler geometries
    for (const pipeline::LayerGeometry& g : op.simpler(m.layers[i].geometry)) {
      Case x = c;
      x.model.layers[i].geometry = g;
      refit(x.model.layers[i].weights);
      push(x);
    }
  }
  const int64_t k = m.layers[0].in_width();
  if (k > 32 && !op.index_input) {  // fewer blocks along K (whole blocks)
    Case x = c;
    pipeline::LayerSpec& l = x.model.layers[0];
    const int64_t fewer = std::max<int64_t>(32, (k / 64) * 32);
    l.geometry = op.with_widths(l.geometry, fewer, l.out_width());
    x.model.input.shape[k_axis] = fewer;
    refit(l.weights);
    push(x);
  }
  common_reductions(c, push);
  return out;
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
  if (last.out_width() > 1) {
    Case x = c;
    pipeline::LayerSpec& l = x.model.layers.back();
    l.geometry =
        pipeline::layer_op(l.geometry)
            .with_widths(l.geometry, l.in_width(), std::max<int64_t>(1, l.out_width() / 2));
    refit(l.weights);
    refit_bias(l);
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
  if (m.input.dtype == pipeline::DType::bf16 || m.output.dtype != pipeline::DType::fp32) {
    Case x = c;
    // bf16 to fp32; int32 indices stay what they are.
    if (x.model.input.dtype == pipeline::DType::bf16) x.model.input.dtype = pipeline::DType::fp32;
    x.model.output.dtype = pipeline::DType::fp32;
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

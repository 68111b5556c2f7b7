#include "mxconf/runner/model_check.h"

#include <map>

#include "mxconf/formats/scalar_types.h"
#include "mxconf/oracles/linear_ref.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"

namespace mxconf::runner {

// Written apart from the interpreter's TRANSPOSE on purpose: if the harness laid out inputs with
// the SUT's own permutation, a permutation bug would cancel itself out.
namespace {

template <typename T>
std::vector<T> permute(const std::vector<T>& in, const std::vector<int64_t>& shape,
                       const std::vector<int64_t>& order) {
  if (order.empty()) return in;
  std::vector<int64_t> st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) st[i - 1] = st[i] * shape[i];
  std::vector<int64_t> out_shape(order.size());
  for (size_t j = 0; j < order.size(); ++j) out_shape[j] = shape[size_t(order[j])];
  std::vector<T> out(in.size());
  std::vector<int64_t> idx(order.size(), 0);
  for (size_t o = 0; o < out.size(); ++o) {
    int64_t src = 0;
    for (size_t j = 0; j < idx.size(); ++j) src += idx[j] * st[size_t(order[j])];
    out[o] = in[size_t(src)];
    for (size_t j = idx.size(); j-- > 0;) {
      if (++idx[j] < out_shape[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

}  // namespace

std::vector<float> permute_dims(const std::vector<float>& in, const std::vector<int64_t>& shape,
                                const std::vector<int64_t>& order) {
  return permute(in, shape, order);
}

std::vector<double> permute_dims(const std::vector<double>& in, const std::vector<int64_t>& shape,
                                 const std::vector<int64_t>& order) {
  return permute(in, shape, order);
}

void execute_loaded(const pipeline::ModelSpec& m, const std::vector<float>& input,
                    formats::ScaleRule cast_rule, PipelineRun& run) {
  // The graph's own names: an external lowering may name its tensors as it likes.
  if (run.loaded.inputs.size() != 1 || run.loaded.outputs.size() != 1) {
    throw std::runtime_error("the graph has " + std::to_string(run.loaded.inputs.size()) +
                             " inputs and " + std::to_string(run.loaded.outputs.size()) +
                             " outputs; the model has one of each");
  }
  const std::string& in_name = run.loaded.inputs.front();
  const std::string& out_name = run.loaded.outputs.front();
  const std::vector<float> physical = permute_dims(input, m.input.shape, m.input.dim_order);
  const pipeline::Tensor* in_p = run.loaded.find(in_name);
  if (in_p == nullptr || in_p->element_count() != int64_t(physical.size()))
    throw std::runtime_error("the graph input '" + in_name + "' does not hold the model's " +
                             std::to_string(physical.size()) + " input elements");
  const pipeline::Tensor& in_t = *in_p;
  pipeline::Value v;
  if (m.input.dtype == pipeline::DType::bf16) {
    std::vector<uint16_t> bits(physical.size());
    for (size_t i = 0; i < bits.size(); ++i) bits[i] = formats::float_to_bf16(physical[i]);
    v = pipeline::Value::from_bf16(in_t.shape, std::move(bits));
  } else {
    v = pipeline::Value::from_f32(in_t.shape, physical);
  }
  pipeline::InterpreterOptions opts;
  opts.cast_rule = cast_rule;
  std::map<std::string, pipeline::Value> all;
  opts.intermediates = &all;
  auto outs = pipeline::run_graph(run.loaded, {{in_name, v}}, opts);
  // The final CAST to bf16 (if any) reads the logical fp32 result.
  for (const pipeline::Operator& op : run.loaded.ops) {
    if (op.op == pipeline::OpKind::cast && all.at(op.inputs[0]).dtype == pipeline::DType::fp32) {
      run.output_fp32 = all.at(op.inputs[0]).f32;
    }
  }
  for (const pipeline::Operator& op : run.loaded.ops) {
    if (op.op != pipeline::OpKind::cast_to_block_scaled) continue;
    const pipeline::Value& in = all.at(op.inputs[0]);
    PipelineRun::CastObservation obs;
    obs.input = in.f32;
    if (in.dtype == pipeline::DType::bf16) {
      obs.input.resize(in.bf16.size());
      for (size_t i = 0; i < in.bf16.size(); ++i) obs.input[i] = formats::bf16_to_float(in.bf16[i]);
    }
    obs.codes = all.at(op.outputs[0]).codes;
    obs.scales = all.at(op.outputs[1]).codes;
    run.casts.push_back(std::move(obs));
  }
  const pipeline::Value& y = outs.at(out_name);
  std::vector<float> phys = y.f32;
  if (y.dtype == pipeline::DType::bf16) {
    phys.resize(y.bf16.size());
    for (size_t i = 0; i < phys.size(); ++i) phys[i] = formats::bf16_to_float(y.bf16[i]);
  }
  // Undo the output dim order: logical dim order[j] sits at physical position j.
  run.output = phys;
  if (!m.output.dim_order.empty()) {
    std::vector<int64_t> inverse(m.output.dim_order.size());
    for (size_t j = 0; j < inverse.size(); ++j) inverse[size_t(m.output.dim_order[j])] = int64_t(j);
    run.output = permute_dims(phys, y.shape, inverse);
  }
  if (run.output_fp32.empty()) run.output_fp32 = run.output;
}

PipelineRun lower_and_load(const pipeline::ModelSpec& m, const pipeline::Target& target,
                           const std::string& base_dir, const pipeline::LowerOptions& lowering) {
  PipelineRun r;
  auto stage = [&](const char* name, auto&& body) {
    if (!r.failed_stage.empty()) return;
    try {
      body();
    } catch (const std::exception& e) {
      r.failed_stage = name;
      r.error = e.what();
    }
  };
  stage("lower", [&] { r.lowered = pipeline::lower_model(m, base_dir, lowering); });
  stage("validate", [&] {
    r.issues = pipeline::validate_tosa(r.lowered, target);
    if (!r.issues.empty()) throw std::runtime_error(r.issues[0].message);
  });
  stage("serialize", [&] { r.tosa = pipeline::serialize_graph(r.lowered); });
  stage("load", [&] {
    pipeline::LoadResult l = pipeline::deserialize_graph(r.tosa);
    if (!l.ok())
      throw std::runtime_error(std::string(name(l.error->code)) + ": " + l.error->message);
    r.loaded = std::move(*l.graph);
  });
  return r;
}

PipelineRun run_pipeline(const pipeline::ModelSpec& m, const std::vector<float>& input,
                         const pipeline::Target& target, formats::ScaleRule cast_rule,
                         const std::string& base_dir, const pipeline::LowerOptions& lowering) {
  PipelineRun r = lower_and_load(m, target, base_dir, lowering);
  if (!r.failed_stage.empty()) return r;
  try {
    execute_loaded(m, input, cast_rule, r);
  } catch (const std::exception& e) {
    r.failed_stage = "execute";
    r.error = e.what();
  }
  return r;
}

OracleExpectation oracle_expectation(const pipeline::ModelSpec& m, const std::vector<float>& input,
                                     formats::ScaleRule cast_rule, const std::string& base_dir,
                                     bool bit_exact_only) {
  OracleExpectation e;
  const int64_t k0 = m.input.shape.back();
  const int64_t rows = int64_t(input.size()) / k0;
  std::vector<float> x = input;
  std::vector<double> fx(input.begin(), input.end());
  const auto act_rule = *oracles::parse_policy(formats::name(cast_rule));
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const pipeline::LayerSpec& l = m.layers[i];
    const std::vector<float> w = pipeline::layer_weights(l, i, base_dir);
    const std::vector<float> b = pipeline::layer_bias(l, i, base_dir);
    const auto& f = *oracles::format_by_name(formats::name(l.payload));
    const auto wrule = *oracles::parse_policy(formats::name(l.weight_scale_rule));
    oracles::MxLinearReference ref = oracles::mx_linear_reference(
        f, act_rule, wrule, rows, l.in_features, l.out_features, x, w, b, bit_exact_only);
    e.layer_inputs.push_back(x);
    e.x_codes.push_back(ref.x_codes);
    e.x_scales.push_back(ref.x_scales);
    x = std::move(ref.pseudocode);
    if (bit_exact_only) continue;
    // The fp32 model in double, rounded to fp32 per layer.
    std::vector<double> fy(size_t(rows * l.out_features));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < l.out_features; ++j) {
        // A reference for fidelity only: the summation order is free, so let it vectorize.
        const double* xr = &fx[size_t(r * l.in_features)];
        const float* wr = &w[size_t(j * l.in_features)];
        double acc = 0.0;
#pragma omp simd reduction(+ : acc)
        for (int64_t k = 0; k < l.in_features; ++k) acc += xr[k] * double(wr[k]);
        if (!b.empty()) acc += b[size_t(j)];
        fy[size_t(r * l.out_features + j)] = double(float(acc));
      }
    }
    fx = std::move(fy);
    if (i + 1 == m.layers.size()) {
      e.exact_last = std::move(ref.exact);
      e.bound_last = std::move(ref.bound);
    }
  }
  if (m.output.dtype == pipeline::DType::bf16) {
    for (float& v : x) v = oracles::round_to_bf16(v);
  }
  e.pseudocode = std::move(x);
  if (!bit_exact_only) e.fp32_model.assign(fx.begin(), fx.end());
  return e;
}

}  // namespace mxconf::runner

// Bytes -> flatbuffers Verifier -> reader (with its resource limits) -> TOSA validation ->
// the interpreter, the last only for a valid graph of small tensors. Nothing may crash, hang,
// leak or abort; typed load errors and validation issues are the expected outcomes.
#include <cstdint>
#include <map>
#include <span>

#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace {

using namespace mxconf::pipeline;

constexpr uint64_t kMaxRunElements = uint64_t{1} << 16;  // per tensor, for the interpreter

LoadLimits fuzz_limits() {
  LoadLimits l;
  l.max_bytes = 1 << 20;
  l.max_tensor_elements = uint64_t{1} << 20;
  l.max_total_elements = uint64_t{1} << 22;
  return l;
}

// Zero-filled inputs of each graph input's type; nullopt if the type is not one the suite feeds.
std::optional<std::map<std::string, Value>> zero_inputs(const Graph& g) {
  std::map<std::string, Value> in;
  for (const std::string& name : g.inputs) {
    const Tensor* t = g.find(name);
    const int64_t n = t->element_count();
    if (n < 0 || uint64_t(n) > kMaxRunElements) return std::nullopt;
    if (t->dtype == DType::fp32) {
      in[name] = Value::from_f32(t->shape, std::vector<float>(size_t(n), 0.5f));
    } else if (t->dtype == DType::bf16) {
      in[name] = Value::from_bf16(t->shape, std::vector<uint16_t>(size_t(n), 0x3F00));
    } else {
      return std::nullopt;
    }
  }
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const LoadLimits limits = fuzz_limits();
  static const Target target = Target::parse("TOSA-1.1+FP+mxfp+bf16");
  const LoadResult r = deserialize_graph(std::span(data, size), limits);
  if (!r.ok()) return 0;
  if (!validate_tosa(*r.graph, target).empty()) return 0;
  for (const Tensor& t : r.graph->tensors) {
    if (t.element_count() < 0 || uint64_t(t.element_count()) > kMaxRunElements) return 0;
  }
  const auto inputs = zero_inputs(*r.graph);
  if (!inputs) return 0;
  InterpreterOptions opts;
  opts.max_elements = kMaxRunElements;
  try {
    run_graph(*r.graph, *inputs, opts);
  } catch (const InterpretError&) {
    // A typed refusal (e.g. an intermediate over max_elements) is fine; anything else escapes.
  }
  return 0;
}

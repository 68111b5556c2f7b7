#include "mxconf/runner/broken_graph.h"

#include "mxconf/pipeline/serialize.h"

namespace mxconf::runner {

BrokenGraph make_broken_graph(const generators::Case& c) {
  BrokenGraph b;
  const generators::InvalidRule rule = *c.expect.rule;
  const generators::RuleStage stage = generators::stage(rule);
  if (stage == generators::RuleStage::model) {
    b.why_no_file = "ERROR_IF rule " + std::string(generators::name(rule)) +
                    " breaks the model, which a .tosa file cannot carry";
    return b;
  }
  b.graph = pipeline::lower_model(c.model, "", c.lowering);
  if (stage == generators::RuleStage::target) {
    b.why_no_file = "ERROR_IF rule " + std::string(generators::name(rule)) +
                    " breaks the target, which a .tosa file cannot carry";
    return b;
  }
  generators::break_graph(rule, b.graph, c.expect.variant);
  if (generators::depends_on_target(rule)) {
    // The graph is only invalid for a target without the extension: a file alone cannot say so.
    b.why_no_file = "ERROR_IF rule " + std::string(generators::name(rule)) +
                    " is about the target's extensions, which a .tosa file cannot carry";
    return b;
  }
  try {
    b.tosa = pipeline::serialize_graph(b.graph);
  } catch (const std::exception& e) {
    b.why_no_file = "the broken graph cannot be serialized: " + std::string(e.what());
    return b;
  }
  // A broken graph may have no input or several outputs; its inputs are zeros.
  for (const std::string& name : b.graph.inputs) {
    const pipeline::Tensor* t = b.graph.find(name);
    if (t == nullptr || t->element_count() < 0) {
      b.tosa.reset();
      b.inputs.clear();
      b.why_no_file = "the broken graph's input '" + name + "' has no shape to write";
      return b;
    }
    const auto dtype =
        t->dtype == pipeline::DType::bf16 ? pipeline::DType::bf16 : pipeline::DType::fp32;
    b.inputs.push_back(
        {name, t->shape, dtype, std::vector<float>(size_t(t->element_count()), 0.0f)});
  }
  return b;
}

}  // namespace mxconf::runner

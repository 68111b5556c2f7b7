#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/system_under_test.h"

namespace mxconf::runner {

Observation StagedSut::run(const generators::Case& c, const PreparedCase& p) const {
  Observation obs;
  const std::optional<Lowered> lowered = lowering_->lower(c, p, obs);
  if (!lowered) return obs;
  obs.graph = lowered->graph;
  const pipeline::Graph& g = lowered->graph;
  if (g.inputs.size() != 1 || g.outputs.size() != 1) {
    obs.fail(lowering_->blame(), "the graph has " + std::to_string(g.inputs.size()) +
                                     " inputs and " + std::to_string(g.outputs.size()) +
                                     " outputs; the model has one of each");
    return obs;
  }
  runtime_->execute(c, p, *lowered, obs);
  return obs;
}

RejectionObservation StagedSut::run_invalid(const generators::Case& c) const {
  // Graph-level breakage goes to the runtime; what depends on the target stays with mxconf's
  // validation (a runtime is never told the target).
  const generators::InvalidRule rule = *c.expect.rule;
  if (generators::stage(rule) == generators::RuleStage::graph &&
      !generators::depends_on_target(rule)) {
    BrokenGraph broken;
    try {
      broken = make_broken_graph(c);
    } catch (const std::exception& e) {
      RejectionObservation r;
      r.failure = StageFailure{Stage::lower, e.what()};
      return r;
    }
    if (auto verdict = runtime_->run_broken(c, broken)) return std::move(*verdict);
  }
  return reference_rejection(c);
}

std::string StagedSut::cli_options() const {
  return lowering_->cli_options() + runtime_->cli_options() + common_options_;
}

nlohmann::json StagedSut::identity() const {
  const nlohmann::json lower = lowering_->identity(), exec = runtime_->identity();
  if (lower.is_null() && exec.is_null()) return nullptr;
  return {{"lower", lower.is_null() ? "" : lower}, {"exec", exec.is_null() ? "" : exec}};
}

nlohmann::json StagedSut::versions() const {
  const nlohmann::json lower = lowering_->versions(), exec = runtime_->versions();
  if (lower.is_null() && exec.is_null()) return nullptr;
  nlohmann::json v = nlohmann::json::object();
  if (!lower.is_null()) v["lower"] = lower;
  if (!exec.is_null()) v["exec"] = exec;
  return v;
}

}  // namespace mxconf::runner

#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/system_under_test.h"
#include "mxconf/runner/tensor_files.h"

namespace mxconf::runner {

Observation StagedSut::run(const generators::Case& c, const PreparedCase& p) const {
  Observation obs;
  std::optional<Lowered> lowered;
  try {
    lowered = lowering_->lower(c, p, obs);
  } catch (const std::exception& e) {
    obs.fail({Step::lower, lowering_->actor()}, e.what());
    return obs;
  }
  if (!lowered) return obs;
  obs.graph = lowered->graph;
  if (const std::string why = one_input_one_output(lowered->graph); !why.empty()) {
    obs.fail({Step::load, lowering_->actor()}, why);
    return obs;
  }
  try {
    runtime_->execute(c, p, *lowered, obs);
  } catch (const std::exception& e) {
    obs.fail({Step::execute, runtime_->actor()}, e.what());
  }
  if (!obs.failure && obs.shape_error.empty() && p.model.layers.size() > 1)
    run_op_by_op(c, p, *lowered, obs);
  return obs;
}

// A multi-layer graph's block-scaled ops, each run alone by the runtime on the reference's exact
// input (op_by_op.h), so tier (b) can tell which operator of which layer deviates.
void StagedSut::run_op_by_op(const generators::Case& c, const PreparedCase& p,
                             const Lowered& lowered, Observation& obs) const {
  if (!runtime_->runs_alone()) {
    obs.op_by_op_note = "not run: the runtime runs no one-op graphs";
    return;
  }
  std::vector<OpSlice> slices;
  try {
    slices = slice_block_scaled_ops(
        lowered.graph, interpreter_values(p.model, p.input, c.target.cast_rule, lowered.graph));
  } catch (const std::exception& e) {
    obs.op_by_op_note = std::string("not run: the graph cannot be split: ") + e.what();
    return;
  }
  for (const OpSlice& s : slices) {
    OpRun run{s.layer, s.op, s.graph, s.input.values, {}, {}};
    try {
      std::string why_not;
      if (auto out = runtime_->run_alone(c, s, obs.trace, why_not)) {
        run.output = std::move(*out);
      } else {
        run.failure = why_not;
      }
    } catch (const std::exception& e) {
      run.failure = e.what();
    }
    obs.op_runs.push_back(std::move(run));
  }
}

RejectionObservation StagedSut::run_invalid(const generators::Case& c) const {
  // The breakage goes to the half whose input it is: a graph to the runtime (which is never told
  // a target, so graph rules about the target stay with the lowering); a model or a target to the
  // lowering.
  const generators::InvalidRule rule = *c.expect.rule;
  if (generators::stage(rule) != generators::RuleStage::graph ||
      generators::depends_on_target(rule)) {
    try {
      return lowering_->reject(c);
    } catch (const std::exception& e) {
      RejectionObservation r;
      r.failure = StageFailure{{Step::lower, lowering_->actor()}, e.what()};
      return r;
    }
  }
  BrokenGraph broken;
  try {
    broken = make_broken_graph(c);  // mxconf builds the broken graph, whoever runs it
  } catch (const std::exception& e) {
    RejectionObservation r;
    r.failure = StageFailure{stage::generate, e.what()};
    return r;
  }
  try {
    return runtime_->reject(c, broken);
  } catch (const std::exception& e) {
    RejectionObservation r;
    r.failure = StageFailure{{Step::execute, runtime_->actor()}, e.what()};
    return r;
  }
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

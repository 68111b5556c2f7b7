// mxconf's own reference pipeline as a system under test: lower -> validate -> serialize -> load
// (ReferenceLowering) and the reference interpreter (InterpreterRuntime), and its TOSA-validation
// verdict on ERROR_IF cases. Offers those, make_reference_sut, and the two steps other code
// reuses (lower_to_tosa for export, execute_graph for fuzzing).
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "mxconf/pipeline/interpreter.h"
#include "mxconf/runner/system_under_test.h"

namespace mxconf::runner {

// mxconf's lowering: the model description's reader refuses broken models, and TOSA validation
// of what it lowered refuses a target that lacks what the graph needs.
class ReferenceLowering final : public Lowering {
 public:
  std::optional<Lowered> lower(const generators::Case& c, const PreparedCase& p,
                               Observation& obs) const override;
  RejectionObservation reject(const generators::Case& c) const override;
  Actor actor() const override { return Actor::mxconf; }
};

// mxconf's interpreter as `mxconf exec` runs it: TOSA validation against everything the
// interpreter implements (exec's default target) refuses a broken graph before it runs.
// One case in this many (by data seed) runs through `mxconf exec`'s code path (exec_files.h):
// files, mapped inputs, values freed as the run goes, bf16 inputs as <u2 and <V2 in turn.
inline constexpr uint64_t kExecPathShare = 8;

class InterpreterRuntime final : public Runtime {
 public:
  void execute(const generators::Case& c, const PreparedCase& p, const Lowered& graph,
               Observation& obs) const override;
  // A one-op graph read back from its .tosa bytes and run by the interpreter.
  bool runs_alone() const override { return true; }
  std::optional<std::vector<float>> run_alone(const generators::Case& c, const OpSlice& s,
                                              SutTrace&, std::string& why_not) const override;
  RejectionObservation reject(const generators::Case& c, const BrokenGraph& g) const override;
  Actor actor() const override { return Actor::mxconf; }
};

// What `mxconf exec` validates a graph against: every extension the interpreter implements.
inline constexpr const char* kExecTarget = "TOSA-1.1+FP+mxfp+mxfp_conv+bf16";

// ReferenceLowering + InterpreterRuntime.
std::unique_ptr<SystemUnderTest> make_reference_sut();

// The lowering's stages on a model: lower -> validate -> serialize -> load. On failure sets
// obs.failure (stage lower, validate, serialize or load) and returns nothing.
std::optional<Lowered> lower_to_tosa(const pipeline::ModelSpec& m, const pipeline::Target& target,
                                     const pipeline::LowerOptions& lowering, Observation& obs);

// Every tensor's value when mxconf's interpreter runs `graph` (one input, one output) on the
// case's logical input, fed in the model's physical dim order. Throws std::runtime_error when the
// graph's input does not fit the model.
std::map<std::string, pipeline::Value> interpreter_values(const pipeline::ModelSpec& m,
                                                          const std::vector<float>& input,
                                                          formats::ScaleRule cast_rule,
                                                          const pipeline::Graph& graph);

// Runs `graph` (one input, one output) with the reference interpreter on the logical input,
// fed in the model's physical dim order: fills obs.output, output_fp32 and casts. Throws
// std::runtime_error when the graph's input or output does not fit the model.
void execute_graph(const pipeline::ModelSpec& m, const std::vector<float>& input,
                   formats::ScaleRule cast_rule, const pipeline::Graph& graph, Observation& obs);

}  // namespace mxconf::runner

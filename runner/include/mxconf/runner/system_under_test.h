// The one seam for systems under test. mxconf's own pipeline, an external lowering, an external
// runtime (and the two together) and result files produced elsewhere are all implementations of
// SystemUnderTest; the judge (run_case.h) sees only Observations and never learns which one it
// judged. A valid case goes lower -> load -> execute and a failure names its Stage (the step and
// which system acted). An ERROR_IF case goes to the half whose input it breaks: the model or the
// target to the lowering, the graph to the runtime; each half answers for itself.
// Offers SystemUnderTest, the two halves Lowering and Runtime, and StagedSut, which composes them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/broken_graph.h"
#include "mxconf/runner/case_data.h"
#include "mxconf/runner/observation.h"
#include "mxconf/runner/op_by_op.h"

namespace mxconf::runner {

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  // A valid case (c.expect.valid()), with its data prepared.
  virtual Observation run(const generators::Case& c, const PreparedCase& p) const = 0;
  // An ERROR_IF case: does the system reject the model, graph or target it breaks?
  virtual RejectionObservation run_invalid(const generators::Case& c) const = 0;
  // The command-line options that select this system again (replay commands carry them).
  virtual std::string cli_options() const { return {}; }
  // What run.json records of it (null for mxconf's own pipeline).
  virtual nlohmann::json identity() const { return nullptr; }
  // The versions of what it runs on, for run.json's provenance (null when it cannot say).
  virtual nlohmann::json versions() const { return nullptr; }
};

// Model -> a .tosa and the graph loaded from it. On failure sets obs.failure with its stage.
struct Lowered {
  std::vector<uint8_t> tosa;
  pipeline::Graph graph;
};
class Lowering {
 public:
  virtual ~Lowering() = default;
  virtual std::optional<Lowered> lower(const generators::Case& c, const PreparedCase& p,
                                       Observation& obs) const = 0;
  // An ERROR_IF case that breaks the lowering's own inputs: the model description, or the target
  // it lowers for (model- and target-level rules, and graph rules that are about the target).
  // Does this lowering refuse it, and with which codes?
  virtual RejectionObservation reject(const generators::Case& c) const = 0;
  // Whose code runs in this half (blamed when it fails, or when its graph does not fit the model).
  virtual Actor actor() const = 0;
  virtual std::string cli_options() const { return {}; }
  virtual nlohmann::json identity() const { return nullptr; }
  virtual nlohmann::json versions() const { return nullptr; }
};

// A loaded graph and the case's input -> outputs (and, where the runtime shows them, the
// activation casts). On failure sets obs.failure with its stage.
class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual void execute(const generators::Case& c, const PreparedCase& p, const Lowered& graph,
                       Observation& obs) const = 0;
  // Whether this runtime runs the one-op graphs of op-by-op judging (op_by_op.h), and such a
  // graph run alone: its single output's fp32 values, or nothing with `why_not` set.
  virtual bool runs_alone() const { return false; }
  virtual std::optional<std::vector<float>> run_alone(const generators::Case&, const OpSlice&,
                                                      SutTrace&, std::string& why_not) const {
    why_not = "this runtime runs no one-op graphs";
    return std::nullopt;
  }
  // A graph broken by an ERROR_IF rule (one a runtime can judge without a target): does this
  // runtime refuse to run it?
  virtual RejectionObservation reject(const generators::Case& c, const BrokenGraph& g) const = 0;
  virtual Actor actor() const = 0;
  virtual std::string cli_options() const { return {}; }
  virtual nlohmann::json identity() const { return nullptr; }
  virtual nlohmann::json versions() const { return nullptr; }
};

// A lowering followed by a runtime. ERROR_IF cases: graph-level breakage goes to the runtime;
// model- and target-level breakage to the lowering. Whatever escapes a half is its failure, at
// the step it was running.
class StagedSut final : public SystemUnderTest {
 public:
  // common_options: command-line options both halves share (e.g. the external timeout).
  StagedSut(std::unique_ptr<Lowering> lowering, std::unique_ptr<Runtime> runtime,
            std::string common_options = {})
      : lowering_(std::move(lowering)),
        runtime_(std::move(runtime)),
        common_options_(std::move(common_options)) {}
  Observation run(const generators::Case& c, const PreparedCase& p) const override;
  RejectionObservation run_invalid(const generators::Case& c) const override;
  std::string cli_options() const override;
  nlohmann::json identity() const override;
  nlohmann::json versions() const override;

 private:
  void run_op_by_op(const generators::Case& c, const PreparedCase& p, const Lowered& lowered,
                    Observation& obs) const;
  std::unique_ptr<Lowering> lowering_;
  std::unique_ptr<Runtime> runtime_;
  std::string common_options_;
};

}  // namespace mxconf::runner

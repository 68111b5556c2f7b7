// What a system under test did with one case, as far as it let us see: the graph it produced,
// its outputs, its activation casts. The judge works on this alone and never learns which
// system produced it. Offers Observation, RejectionObservation, StageFailure and WorkArea.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/pipeline/graph.h"
#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::runner {

struct StageFailure {
  Stage stage;
  std::string message;
};

// How many failing cases' work directories a run keeps (--sut-keep-failures): one 1 GB result
// per failure must not fill the disk. Shared by a system's work areas.
struct KeepBudget {
  explicit KeepBudget(size_t n) : limit(n) {}
  const size_t limit;
  std::atomic<size_t> kept{0};
};

// A case's scratch directory for external commands: removed when the last owner lets go, unless
// kept (failures keep theirs as evidence while the budget lasts; --sut-keep-work keeps every one).
class WorkArea {
 public:
  WorkArea(std::filesystem::path dir, bool keep_always, std::shared_ptr<KeepBudget> budget)
      : dir_(std::move(dir)), keep_(keep_always), budget_(std::move(budget)) {}
  ~WorkArea();
  WorkArea(const WorkArea&) = delete;
  WorkArea& operator=(const WorkArea&) = delete;
  const std::filesystem::path& dir() const { return dir_; }
  // Keeps the directory if the budget allows; false (with `why` set) if it will be removed.
  bool keep(std::string& why);

 private:
  std::filesystem::path dir_;
  bool keep_;
  std::shared_ptr<KeepBudget> budget_;
};

// What external commands did for the case (written as the result's "sut" record) and where.
struct SutTrace {
  nlohmann::json record;           // null when no external command ran
  std::shared_ptr<WorkArea> work;  // null when nothing was written
  // The verdict is not good: keep the work directory as evidence, or say in `sut` (the
  // result's copy of `record`) why it was not kept.
  void keep_evidence(nlohmann::json& sut) const {
    std::string why;
    if (work && !work->keep(why) && sut.is_object()) sut["work_dir_removed"] = why;
  }
};

struct CastObservation {
  std::vector<float> input;  // [1, M, K] values (bf16 widened)
  std::vector<uint8_t> codes, scales;
};

// One block-scaled operator of the system's graph run alone by the system's runtime (op by op,
// op_by_op.h): the one-op graph, the input it was fed (the reference's exact value of what the
// op's cast reads, in that tensor's layout), and the op's fp32 output as the runtime returned it.
struct OpRun {
  size_t layer = 0;  // the op's place among the graph's block-scaled ops
  pipeline::OpKind op = pipeline::OpKind::unknown;
  pipeline::Graph graph;
  std::vector<float> input;
  std::vector<float> output;
  std::string failure;  // why the runtime returned nothing for it (then not judged)
};

// A valid case: lower -> load -> execute.
struct Observation {
  std::optional<StageFailure> failure;  // the first stage that failed; nothing else is judged
  // The graph as loaded from the .tosa the lowering wrote (its constants are the weights the
  // system quantized). Absent when the system exposes no graph (results made elsewhere).
  std::optional<pipeline::Graph> graph;
  std::vector<float> output;       // logical layout, fp32 values (bf16 outputs widened)
  std::vector<float> output_fp32;  // the fp32 result before a bf16 output CAST: what DOT_PRODUCT
                                   // judges
  bool output_fp32_observed = true;
  // Per CAST_TO_BLOCK_SCALED, in execution order (one per layer). An external runtime shows
  // only its output: no casts.
  std::vector<CastObservation> casts;
  bool casts_observed = true;
  std::string shape_error;  // the output had the wrong shape (a failure, not an error)
  // Op by op (multi-layer cases of a runtime that runs one-op graphs): one run per block-scaled
  // op; when none ran, why not.
  std::vector<OpRun> op_runs;
  std::string op_by_op_note;
  std::optional<std::string> unsupported;  // the system cannot handle the case: why
  SutTrace trace;

  void fail(Stage s, std::string message) { failure = StageFailure{s, std::move(message)}; }
};

// An ERROR_IF case: what the system did with the broken model, graph or target.
struct RejectionObservation {
  std::optional<StageFailure> failure;     // it could not tell (crashed, timed out): an error
  std::optional<std::string> unsupported;  // it cannot handle the case at all: why
  bool rejected = false;
  // The typed codes the system named, when it names any (mxconf's pipeline does; a runtime that
  // only exits non-zero does not): then the expected code must be among them.
  std::optional<std::vector<std::string>> codes;
  std::string message;  // the system's own first message, or why the rejection was missed
  nlohmann::json record = nlohmann::json::object();  // merged into the result's rejection record
  SutTrace trace;
};

}  // namespace mxconf::runner

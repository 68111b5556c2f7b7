// External systems under test in a run (docs/external-sut.md): another lowering
// (--sut-lower "CMD {case} {out_tosa}") and/or another runtime (--sut-exec "CMD {tosa} {inputs}
// {outdir}"). Each case gets a work directory; a failing command is blamed on its stage
// (sut-lower or sut-exec) with its exit code, signal or timeout and the tail of its stderr.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/conformance_package.h"
#include "mxconf/runner/subprocess.h"

namespace mxconf::runner {

// {tosa}: the .tosa to run; {inputs}: the input .npy files (one argument each); {outdir}: where
// to write one .npy per output, named as desc.json's ofm_file; {desc}: a desc.json describing
// all of it; {dir}: the case's work directory.
inline const std::vector<std::string> kExecPlaceholders = {"tosa", "inputs", "outdir", "desc",
                                                           "dir"};
// {case}: the model description (docs/model-format.md) with weights and bias as .npy files
// beside it; {case_json}: the whole case; {out_tosa}: where to write the .tosa; {dir}: as above.
inline const std::vector<std::string> kLowerPlaceholders = {"case", "case_json", "out_tosa", "dir"};

struct ExternalSut {
  CommandTemplate exec;   // empty: mxconf's interpreter runs the graph
  CommandTemplate lower;  // empty: mxconf's lowering produces the graph
  double timeout_seconds = 60;
  std::string work_root = "out/run/sut";
  bool keep_work = false;  // keep every case's work directory (default: only failures')
  bool active() const { return !exec.empty() || !lower.empty(); }
  // The command-line options that select this system (for replay commands).
  std::string cli_options() const;
};

// Runs case c (prepared data p) through the external stages and mxconf's own for the rest.
// Returns the run as the judge sees it: failed_stage set on errors (sut-lower, sut-exec, or
// mxconf's own stages), details of every command in `details` ("sut_lower", "sut_exec"), and the
// structural comparison of an external lowering with the reference in details["structure"].
PipelineRun run_external(const generators::Case& c, const PreparedCase& p, const ExternalSut& sut,
                         nlohmann::json& details);

// An ERROR_IF case whose broken graph goes to the external runtime: a conforming runtime
// rejects it with a non-zero exit (not a crash or a timeout). Returns "rejected", "accepted",
// or "error" with `details` saying why.
std::string run_external_invalid(const generators::Case& c, const ExternalSut& sut,
                                 nlohmann::json& details);

// Differences between two graphs' op sequences (CONST and CONST_SHAPE left out), their output
// dtypes and shapes. Empty when they agree.
std::vector<std::string> compare_structure(const pipeline::Graph& reference,
                                           const pipeline::Graph& other);

}  // namespace mxconf::runner

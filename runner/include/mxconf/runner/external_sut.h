// External systems under test (docs/external-sut.md): another lowering
// (--sut-lower "CMD {case} {out_tosa}") and/or another runtime (--sut-exec "CMD {tosa} {inputs}
// {outdir}"), each a command run per case in its own work directory. A failing command is blamed
// on its stage (sut-lower or sut-exec) with its exit code, signal or timeout and the tail of its
// stderr. Offers ExternalSutOptions and make_sut (which composes whichever halves are external
// with mxconf's own).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/runner/subprocess.h"
#include "mxconf/runner/system_under_test.h"

namespace mxconf::runner {

// {tosa}: the .tosa to run; {inputs}: the input .npy files (one argument each); {outdir}: where
// to write one .npy per output, named as desc.json's ofm_file; {desc}: a desc.json describing
// all of it; {dir}: the case's work directory.
inline const std::vector<std::string> kExecPlaceholders = {"tosa", "inputs", "outdir", "desc",
                                                           "dir"};
// {case}: the model description (docs/model-format.md) with weights and bias as .npy files
// beside it; {case_json}: the whole case; {target}: the TOSA target to lower for (e.g.
// TOSA-1.1+FP+mxfp); {out_tosa}: where to write the .tosa; {dir}: as above. A lowering must refuse
// (exit non-zero) a broken model, and a target that lacks what the model needs; it is asked the
// latter only when its command takes {target} or {case_json}.
inline const std::vector<std::string> kLowerPlaceholders = {"case", "case_json", "target",
                                                            "out_tosa", "dir"};

// The line that marks a program as an mxconf adapter answering --version-info and --worker.
inline constexpr const char* kAdapterMarker = "mxconf-adapter: version-info worker";

struct ExternalSutOptions {
  CommandTemplate exec;   // empty: mxconf's interpreter runs the graph
  CommandTemplate lower;  // empty: mxconf's lowering produces the graph
  double timeout_seconds = 60;
  std::string work_root = "out/run/sut";
  bool keep_work = false;     // keep every case's work directory (default: only failures')
  size_t keep_failures = 20;  // failing cases whose work directories are kept (KeepBudget)
  // Run each command as long-lived workers (one per concurrent case) that serve cases over
  // stdin/stdout (WorkerPool); the adapters in sut/ speak this protocol.
  bool worker = false;
  // Extra time a fresh worker's first case gets (importing torch and ExecuTorch takes ~6 s per
  // process, several times that on a loaded 2-core machine). It is paid again only by a worker
  // that replaces a lost one, and WorkerPool gives up after kNeverAnswered fresh workers time
  // out unanswered, so a worker that never answers costs at most
  // kNeverAnswered * (timeout_seconds + worker_startup_seconds) per run, not per case.
  double worker_startup_seconds = 60;
  size_t worker_restarts = 32;  // workers that may be lost and replaced (WorkerPool)
  // Ask each command's program `--version-info` (sut/common/adapter.py) for run.json: always
  // (on), never (off), or only when the program says it is an mxconf adapter (auto: the
  // kAdapterMarker line in its first 4 KB). A program that is not an adapter may not understand
  // the argument, so it is never called with it unasked.
  enum class VersionProbe { automatic, on, off };
  VersionProbe version_probe = VersionProbe::automatic;
  double version_probe_seconds = 20;  // the probe's own timeout
  // --sut-python: the Python the adapters in sut/ run with (MXCONF_SUT_VENV_PYTHON in their
  // environment, set by the CLI); carried into replay lines. Empty: mxconf's venv.
  std::string python;
  // The level asked for on the command line (none: the default for the system): not the
  // system's, but carried by its command-line options so that replay lines judge alike.
  std::optional<Level> require;
};

// mxconf's pipeline with the external halves the options name put in its place.
std::unique_ptr<SystemUnderTest> make_sut(const ExternalSutOptions& o);

}  // namespace mxconf::runner

// TOSA conformance packages (conformance-practice.md §2): one directory per case with desc.json,
// model.tosa, input .npy files, the fp64 precise reference and DOT_PRODUCT bounds, so another
// system can run the tests and mxconf (or TOSA's own tooling) can grade what it produced.
// docs/external-sut.md describes the layout.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mxconf/generators/campaigns.h"
#include "mxconf/generators/case.h"
#include "mxconf/runner/model_check.h"

namespace mxconf::runner {

inline constexpr int kPackageFormatVersion = 1;
inline constexpr const char* kPackageIndex = "index.json";
inline constexpr const char* kTosaFile = "model.tosa";
inline constexpr const char* kCaseFile = "case.json";

// The data a valid case runs on, all derived from its seed.
struct PreparedCase {
  pipeline::ModelSpec model;  // with the campaign's weights filled in
  std::vector<float> input;   // logical layout
  generators::Campaign campaign = generators::Campaign::uniform;
};
// Throws std::runtime_error for an unknown campaign or data that cannot be generated.
PreparedCase prepare_case(const generators::Case& c);

// TOSA-style name, stable across runs (the suffix is the fingerprint's first 8 digits):
//   mxfp_linear_{input shape}_w{out
//   features}_{payload}_{fp32|bf16}_{bias|nobias}_{sN|campaign}_{fp}
//   mxfp_linear_ERRORIF_{rule}_{input shape}_{payload}_{fp}
std::string package_test_name(const generators::Case& c);

// The file a system under test writes an output tensor to (desc.json's ofm_file): the tensor's
// name made file-safe, as `mxconf exec` names it.
std::string result_file_name(const std::string& tensor);
// Physical shape of the graph output (the model's output dim order applied).
std::vector<int64_t> physical_output_shape(const pipeline::ModelSpec& m);

struct ExportOutcome {
  bool written = false;
  std::string reason;  // why a case was not written (its breakage has no .tosa form)
  nlohmann::json desc;
};
// Writes the test directory `dir` for case c. The files are staged in a sibling directory that
// is renamed into place at the end, so `dir` is either complete or absent. Throws
// std::runtime_error when `dir` exists or a file cannot be written.
struct ExportOptions {
  // test_requirements.extensions_required: the split names (EXT-MX-COMMON, EXT-MX-<payload>,
  // EXT-BF16) instead of the case's own target extensions (e.g. mxfp, bf16).
  bool split_extension_names = false;
};
ExportOutcome write_test_dir(const generators::Case& c, const std::string& dir,
                             const ExportOptions& opts = {});

// Writes fp32 values as a .npy the way mxconf hands activations to other systems: <f4, or for a
// BF16 tensor <u2 bf16 bits (what `mxconf exec` reads and writes).
void write_activation_npy(const std::string& path, pipeline::DType t,
                          const std::vector<int64_t>& shape, const std::vector<float>& values);

// Reads what a system under test wrote for case `m` into run.output (logical layout). A missing
// or unreadable file throws std::runtime_error naming it (an error verdict); a readable file of
// the wrong shape sets run.shape_error (a failure). FP32 outputs: <f4. BF16 outputs: <u2 bf16
// bits as `mxconf exec` writes them, or <f4 values.
void read_result_npy(const std::string& path, const pipeline::ModelSpec& m, PipelineRun& run);

}  // namespace mxconf::runner

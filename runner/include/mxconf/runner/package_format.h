// TOSA conformance packages (conformance-practice.md §2; docs/external-sut.md): one directory per
// case with desc.json, model.tosa, input .npy files, the fp64 precise reference and DOT_PRODUCT
// bounds, and an index.json that lists the tests with their fingerprints. This file owns the
// layout: the test names, the test-directory writer, and index.json's one writer and one reader.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mxconf/generators/case.h"
#include "mxconf/runner/broken_graph.h"
#include "mxconf/runner/case_source.h"

namespace mxconf::runner {

inline constexpr int kPackageFormatVersion = 1;
inline constexpr const char* kPackageIndex = "index.json";
inline constexpr const char* kTosaFile = "model.tosa";
inline constexpr const char* kCaseFile = "case.json";
inline constexpr const char* kDescFile = "desc.json";

// TOSA-style name, stable across runs (the suffix is the fingerprint's first 8 digits):
//   mxfp_linear_{input shape}_w{out
//   features}_{payload}_{fp32|bf16}_{bias|nobias}_{sN|campaign}_{fp}
//   mxfp_linear_ERRORIF_{rule}_{input shape}_{payload}_{fp}
std::string package_test_name(const generators::Case& c);

struct ExportOptions {
  // test_requirements.extensions_required: the split names (EXT-MX-COMMON, EXT-MX-<payload>,
  // EXT-BF16) instead of the case's own target extensions (e.g. mxfp, bf16).
  bool split_extension_names = false;
};
struct ExportOutcome {
  bool written = false;
  std::string reason;  // why a case was not written (its breakage has no .tosa form)
  nlohmann::json desc;
};
// Writes the test directory `dir` for case c. The files are staged in a sibling directory that
// is renamed into place at the end, so `dir` is either complete or absent. Throws
// std::runtime_error when `dir` exists or a file cannot be written.
ExportOutcome write_test_dir(const generators::Case& c, const std::string& dir,
                             const ExportOptions& opts = {});

// index.json.
struct PackageTest {
  std::string name;
  uint64_t index = 0;
  std::string fingerprint;
  bool expected_failure = false;
};
struct PackageSkip {
  uint64_t index = 0;
  std::string fingerprint, reason;
};
struct PackageIndex {
  bool complete = true;
  nlohmann::json generation = nlohmann::json::object();  // seed, cases, campaigns, ...
  nlohmann::json provenance = nlohmann::json::object();
  std::vector<PackageTest> tests;
  std::vector<PackageSkip> skipped;
};
void write_package_index(const std::string& package_dir, const PackageIndex& index);
// Throws std::runtime_error naming the problem (no index, not a package, unsupported version,
// a malformed entry).
PackageIndex read_package_index(const std::string& package_dir);

// Writes every case of `cases` (or up to a stop request) as a test directory under `dir`, each
// distinct case once, and index.json with the tests written and the cases skipped (no .tosa form,
// or the same case as an earlier one). An I/O error ends the export with index.json still listing
// what was written, then throws. `generation` and `provenance` go into the index as given.
PackageIndex export_package(const CaseSource& cases, const std::string& dir,
                            const ExportOptions& opts, nlohmann::json generation,
                            nlohmann::json provenance, const std::atomic<bool>* stop = nullptr);

// desc.json's tensor lists for a graph: ifm_name / ifm_file (input-<i>.npy) and ofm_name /
// ofm_file (each output's result file name), as every test directory and every external
// runtime's work directory has them.
nlohmann::json describe_graph_io(const std::vector<GraphInput>& inputs,
                                 const std::vector<std::string>& outputs);
std::string input_file_name(size_t i);  // "input-<i>.npy"
// Writes each input as `dir`/input-<i>.npy (physical layout, its dtype); returns the paths.
std::vector<std::string> write_graph_inputs(const std::string& dir,
                                            const std::vector<GraphInput>& inputs);

// One test of a package as `mxconf check` grades it: its case, and the file the system under
// test was to write (RESULTS/<test>/<ofm_file>). Throws std::runtime_error naming the problem
// (bad name, unreadable desc.json or case.json, case.json not matching the fingerprint).
struct PackagedCase {
  generators::Case c;
  std::string result_path;
};
PackagedCase read_package_test(const std::string& package_dir, const std::string& results_dir,
                               const PackageTest& t);

}  // namespace mxconf::runner

// What a seed means stays what it meant: the verdict and fingerprint of every case of a pinned
// run, and the name of every test of a pinned export, against files written before the runner
// redesign (tests/golden/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mxconf/runner/package_format.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Compares line by line and reports the first few differences, not a wall of text. With
// MXCONF_GOLDEN_WRITE=DIR set, also writes what it got to DIR/<golden> (to rewrite a golden on
// purpose; tests/golden/README.md says when).
void expect_same_lines(const std::vector<std::string>& want, const std::vector<std::string>& got,
                       const std::string& what) {
  if (const char* dir = std::getenv("MXCONF_GOLDEN_WRITE")) {
    std::ofstream out(std::string(dir) + "/" + what);
    for (const std::string& line : got) out << line << "\n";
  }
  EXPECT_EQ(got.size(), want.size()) << what;
  int shown = 0;
  for (size_t i = 0; i < std::min(want.size(), got.size()) && shown < 5; ++i) {
    if (want[i] == got[i]) continue;
    ADD_FAILURE() << what << " line " << i + 1 << ":\n  golden: " << want[i]
                  << "\n  now:    " << got[i];
    ++shown;
  }
}

// ops: the operators generated; linear alone reproduces the files written before conv2d existed
// (adding an operator did not change what a seed makes of a linear case).
void check_run(const std::vector<pipeline::LayerKind>& ops, const std::string& golden) {
  const auto dir = scratch_dir("golden_run_" + golden);  // one per test: ctest runs them at once
  SmallRun r = small_run_options(dir, 2000, 5, 256);
  r.gen.invalid_fraction = 0.1;
  r.gen.ops = ops;
  r.options.jobs = 2;
  run_small(r);
  std::vector<std::string> got;
  for (const std::string& line : lines_of((dir / "results.jsonl").string())) {
    const nlohmann::json j = nlohmann::json::parse(line);
    got.push_back(std::to_string(j["index"].get<uint64_t>()) + "\t" +
                  j["fingerprint"].get<std::string>() + "\t" + j["verdict"].get<std::string>());
  }
  expect_same_lines(lines_of(std::string(MXCONF_GOLDEN_DIR "/") + golden), got, golden);
}

TEST(Golden, RunOfSeed5GivesTheSameVerdictsAndFingerprints) {
  check_run({pipeline::LayerKind::linear}, "run_seed5_2000.tsv");
}

TEST(Golden, RunOfSeed5WithEveryOperator) {
  check_run({}, "run_seed5_2000_all_ops.tsv");
}

void check_export(const std::vector<pipeline::LayerKind>& ops, const std::string& golden) {
  const auto dir = scratch_dir("golden_export_" + golden);
  generators::GenConfig gen;
  gen.invalid_fraction = 0.1;
  gen.ops = ops;
  const runner::PackageIndex index =
      runner::export_package(runner::GeneratedCases(gen, 5, 200), dir.string(), {},
                             nlohmann::json::object(), nlohmann::json::object());
  std::vector<std::string> got;
  for (const runner::PackageTest& t : index.tests)
    got.push_back(std::to_string(t.index) + "\t" + t.fingerprint + "\t" + t.name);
  expect_same_lines(lines_of(std::string(MXCONF_GOLDEN_DIR "/") + golden), got, golden);
  // And what was written reads back as the same index.
  const runner::PackageIndex back = runner::read_package_index(dir.string());
  ASSERT_EQ(back.tests.size(), index.tests.size());
  for (size_t i = 0; i < back.tests.size(); ++i) {
    EXPECT_EQ(back.tests[i].name, index.tests[i].name);
    EXPECT_EQ(back.tests[i].fingerprint, index.tests[i].fingerprint);
    EXPECT_EQ(back.tests[i].index, index.tests[i].index);
    EXPECT_EQ(back.tests[i].expected_failure, index.tests[i].expected_failure);
  }
}

TEST(Golden, ExportOfSeed5GivesTheSameTests) {
  check_export({pipeline::LayerKind::linear}, "export_seed5_200.tsv");
}

TEST(Golden, ExportOfSeed5WithEveryOperator) {
  check_export({}, "export_seed5_200_all_ops.tsv");
}

}  // namespace
}  // namespace mxconf::test

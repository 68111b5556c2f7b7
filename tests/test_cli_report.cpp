// mxconf report / report merge / report diff end to end, and their answers to bad input.
#include <gtest/gtest.h>

#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

class ReportCli : public CliTest {
 protected:
  void make_run(const std::string& name, const std::string& extra = "") const {
    ASSERT_EQ(run("run --cases 30 --max-k 64 --no-shrink --out " + path(name) + " " + extra), 0);
  }
};

TEST_F(ReportCli, WritesEveryFormatMergesAndDiffs) {
  make_run("in_run");
  ASSERT_EQ(run("report " + path("in_run") + " -o " + path("out_report")), 0);
  for (const char* f : {"report.json", "junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(fs::exists(path("out_report/") + f)) << f;
  make_run("in_s0", "--shard 1/2");
  make_run("in_s1", "--shard 2/2");
  ASSERT_EQ(
      run("report merge " + path("in_s1") + " " + path("in_s0") + " -o " + path("out_merged")), 0);
  EXPECT_TRUE(fs::exists(path("out_merged/results.jsonl")));
  // The run against its own report as the baseline: nothing new.
  EXPECT_EQ(run("report diff --baseline " + path("out_report/report.json") + " " + path("in_run")),
            0);
}

TEST_F(ReportCli, BadInputFailsCleanly) {
  make_run("in_run");
  make_run("in_other", "--seed 9 --shard 2/2");
  std::ofstream(path("in_not_report.json")) << R"({"hello": 1})";
  const std::vector<BadInput> cases = {
      {"report " + path("in_missing"), "not a run directory"},
      {"report " + path("in_run") + " --format json,pdf -o " + path("out_x"),
       "unknown report format"},
      {"report merge " + path("in_run") + " " + path("in_other") + " -o " + path("out_m"), "shard"},
      {"report diff --baseline " + path("in_missing.json") + " " + path("in_run"), "cannot open"},
      {"report diff --baseline " + path("in_not_report.json") + " " + path("in_run"),
       "not an mxconf report"},
  };
  expect_clean_failures(cases);
}

}  // namespace
}  // namespace mxconf::test

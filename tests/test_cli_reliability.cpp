// Runs you can trust with your data (docs/reliability.md): two runs into one directory, and a
// write that fails part way (a full disk, modelled without root by RLIMIT_FSIZE).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

class Reliability : public CliTest {
 protected:
  // Every line of results.jsonl: parsed (a garbled line fails the test) and its case indexes.
  std::vector<uint64_t> result_indexes(const std::string& out) const {
    std::ifstream in(path(out + "/results.jsonl"));
    std::vector<uint64_t> idx;
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "a garbled line: " << line.substr(0, 80);
      if (!j.is_discarded()) idx.push_back(j.at("index").get<uint64_t>());
    }
    return idx;
  }
};

// The second run into a directory another run is writing refuses at once, naming the lock,
// with or without --resume; the first run's lines stay whole and unique; once it has stopped,
// the lock is gone.
TEST_F(Reliability, ASecondRunIntoTheSameOutRefuses) {
  const std::string out = path("run");
  const std::string first = std::string(MXCONF_CLI) + " run --cases 1000000 --seed 3 --out " + out +
                            " >/dev/null 2>&1 & echo $! > " + path("pid");
  ASSERT_EQ(std::system(first.c_str()), 0);
  std::ifstream pid_file(path("pid"));
  std::string pid;
  pid_file >> pid;
  // Wait until the first run has written a result (it holds the lock from before that).
  ASSERT_EQ(std::system(("for i in $(seq 600); do [ -s " + out +
                         "/results.jsonl ] && exit 0; sleep 0.1; done; exit 1")
                            .c_str()),
            0);
  std::string err;
  EXPECT_NE(run("run --cases 1000000 --seed 3 --out " + out, &err), 0);
  EXPECT_NE(err.find("in use by another mxconf run"), std::string::npos) << err;
  std::string err_resume;
  EXPECT_NE(run("run --cases 1000000 --seed 3 --resume --out " + out, &err_resume), 0);
  EXPECT_NE(err_resume.find("in use by another mxconf run"), std::string::npos) << err_resume;
  ASSERT_EQ(std::system(("kill -INT " + pid + "; while kill -0 " + pid +
                         " 2>/dev/null; do sleep 0.05; done")
                            .c_str()),
            0);
  const auto idx = result_indexes("run");
  EXPECT_GT(idx.size(), 0u);
  EXPECT_EQ(std::set<uint64_t>(idx.begin(), idx.end()).size(), idx.size()) << "no case twice";
  // The lock went with the process: a resume runs now.
  std::string err_after;
  run("run --cases 1000000 --seed 3 --resume --time-budget 0.2 --out " + out, &err_after);
  EXPECT_EQ(err_after.find("in use"), std::string::npos) << err_after;
  EXPECT_GT(result_indexes("run").size(), idx.size());
}

// results.jsonl hits a file size limit part way: the run stops promptly, exits non-zero naming
// the file, and --resume (without the limit) finishes with every case exactly once.
TEST_F(Reliability, AFailedWriteStopsTheRunAndItResumes) {
  const std::string out = path("full");
  // SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process; 48 KiB.
  const std::string cmd = "bash -c \"trap '' XFSZ; ulimit -f 48; exec " + std::string(MXCONF_CLI) +
                          " run --cases 600 --seed 3 --out " + out + "\" >/dev/null 2>" +
                          path("err.txt");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  std::ifstream e(path("err.txt"));
  const std::string err((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("results.jsonl"), std::string::npos) << err;
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;
  const size_t before = fs::file_size(out + "/results.jsonl");
  EXPECT_LE(before, 48u * 1024);
  EXPECT_EQ(run("run --cases 600 --seed 3 --resume --out " + out), 0);
  const auto idx = result_indexes("full");
  EXPECT_EQ(idx.size(), 600u);
  EXPECT_EQ(std::set<uint64_t>(idx.begin(), idx.end()).size(), 600u) << "no case twice";
}

// `mxconf report` on a run that was stopped: INCOMPLETE (N of M), exit non-zero; repeated lines
// counted once; a field of the wrong type named with its file and line.
TEST_F(Reliability, ReportSaysIncompleteDedupesAndNamesBadLines) {
  const std::string out = path("stopped");
  run("run --cases 1500 --seed 3 --time-budget 1 --out " + out);
  const auto idx = result_indexes("stopped");
  ASSERT_GT(idx.size(), 0u);
  ASSERT_LT(idx.size(), 1500u) << "the budget should stop the run early";
  std::string err;
  EXPECT_EQ(run("report " + out, &err), 1);
  const std::string want = "INCOMPLETE (" + std::to_string(idx.size()) + " of 1500 cases)";
  EXPECT_NE(err.find(want), std::string::npos) << err;
  std::ifstream md(out + "/report/summary.md");
  const std::string summary((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(summary.find("**" + want + "**"), std::string::npos);
  EXPECT_EQ(summary.find("**PASS**"), std::string::npos);

  // Three lines written twice: the totals do not change.
  std::vector<std::string> lines;
  {
    std::ifstream in(out + "/results.jsonl");
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  {
    std::ofstream app(out + "/results.jsonl", std::ios::app);
    for (int i = 0; i < 3; ++i) app << lines[size_t(i)] << "\n";
  }
  EXPECT_EQ(run("report " + out, &err), 1);
  EXPECT_NE(err.find(want), std::string::npos) << err;
  EXPECT_NE(err.find("repeats case"), std::string::npos) << err;

  // A wrong type in line 2.
  auto bad = nlohmann::json::parse(lines[1]);
  bad["index"] = "seven";
  {
    std::ofstream w(out + "/results.jsonl", std::ios::trunc);
    w << lines[0] << "\n" << bad.dump() << "\n";
  }
  EXPECT_NE(run("report " + out, &err), 0);
  EXPECT_NE(err.find("results.jsonl: line 2 is not a result record"), std::string::npos) << err;
}

// Every path `check` reads from a package stays inside the directory given: an ofm_file that
// climbs out ("../..") is refused by name, never read.
TEST_F(Reliability, CheckConfinesOfmFileToTheResultsDirectory) {
  const std::string pkg = path("pkg"), res = path("res");
  ASSERT_EQ(run("export --cases 1 --seed 1 --invalid-fraction 0 --out " + pkg), 0);
  std::string test;
  for (const auto& e : fs::directory_iterator(pkg))
    if (e.is_directory()) test = e.path().filename().string();
  ASSERT_FALSE(test.empty());
  const std::string desc_path = pkg + "/" + test + "/desc.json";
  nlohmann::json desc = nlohmann::json::parse(std::ifstream(desc_path));
  // A valid result file outside RESULTS: the test's own expected output.
  desc["ofm_file"] = {"../../pkg/" + test + "/expected-0.npy"};
  std::ofstream(desc_path) << desc.dump();
  fs::create_directories(res + "/" + test);
  run("check " + pkg + " --results " + res + " --out " + path("graded"));
  std::ifstream in(path("graded/results.jsonl"));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto r = nlohmann::json::parse(line);
  EXPECT_EQ(r["verdict"], "error") << line;
  EXPECT_NE(r["message"].get<std::string>().find("bad ofm_file"), std::string::npos) << line;
}

// Usage errors exit 2 naming the subcommand and its usage; an unknown subcommand is named; a
// run stopped by SIGTERM exits 143 (SIGINT: 130) and stays resumable.
TEST_F(Reliability, ExitCodesSayWhatHappened) {
  std::string err;
  EXPECT_EQ(run("frob", &err), 2);
  EXPECT_NE(err.find("unknown subcommand 'frob'"), std::string::npos) << err;
  EXPECT_EQ(run("run --cases abc", &err), 2);
  EXPECT_NE(err.find("mxconf run: error: Could not convert: --cases = abc"), std::string::npos)
      << err;
  EXPECT_NE(err.find("usage: mxconf run [OPTIONS]"), std::string::npos) << err;
  EXPECT_EQ(run("report diff --bogus", &err), 2);
  EXPECT_NE(err.find("usage: mxconf report diff"), std::string::npos) << err;
  EXPECT_EQ(run("--help"), 0);
  EXPECT_EQ(run("run --help"), 0);

  for (const auto& [sig, code] : {std::pair<std::string, int>{"TERM", 143}, {"INT", 130}}) {
    const std::string out = path("sig" + sig);
    // The signal once the run has written a result (a slow sanitizer build included).
    const std::string cmd = "(" + std::string(MXCONF_CLI) + " run --cases 100000 --seed 3 --out " +
                            out + " >/dev/null 2>&1 & pid=$!; for i in $(seq 600); do [ -s " + out +
                            "/results.jsonl ] && break; sleep 0.1; done; kill -" + sig +
                            " $pid; wait $pid; exit $?)";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), code) << sig;
    const auto idx = result_indexes("sig" + sig);
    EXPECT_GT(idx.size(), 0u);
    EXPECT_LT(idx.size(), 100000u);
  }
}

}  // namespace
}  // namespace mxconf::test

// Interrupting a run while an external system works, and asking a program for its versions only
// when it is an mxconf adapter (docs/reliability.md).
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

class Interrupt : public CliTest {
 protected:
  // A runtime that, while the file `hang` exists, ignores SIGINT and SIGTERM and sleeps for a
  // minute (as a stuck native library would); otherwise it is fake_sut's correct runtime.
  std::string stubborn_runtime() const {
    const std::string script = path("stubborn.sh");
    std::ofstream(script) << "#!/bin/sh\n"
                          << "echo $$ >> " << path("children") << "\n"
                          << "if [ -e " << path("hang")
                          << " ]; then trap '' INT TERM; sleep 60; fi\n"
                          << "exec " << MXCONF_FAKE_SUT << " exec correct \"$@\"\n";
    fs::permissions(script, fs::perms::owner_all);
    return script;
  }

  // Starts `mxconf ARGS` in the background, waits until its runtime is running, sends `signals`
  // (0.2 s apart) and returns its exit code and the seconds from the first signal to its end.
  std::pair<int, double> interrupt(const std::string& args, const std::vector<int>& signals) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);  // like a shell's job: Ctrl-C would reach mxconf's group, not its children
      const std::string cmd =
          std::string(MXCONF_CLI) + " " + args + " >/dev/null 2>" + path("stderr.log");
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 600 && !fs::exists(path("children")); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < signals.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ::kill(pid, signals[i]);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), secs};
  }

  // Every runtime process the test started has gone (a zombie nobody reaped yet has gone too:
  // mxconf is no longer its parent).
  static bool alive(const std::string& pid) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
  }
  void expect_no_child_left() const {
    std::ifstream in(path("children"));
    for (std::string pid; in >> pid;) {
      for (int i = 0; i < 20 && alive(pid); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // SIGKILL is asynchronous
      EXPECT_FALSE(alive(pid)) << "runtime " << pid << " outlived mxconf";
    }
  }

  size_t result_lines(const std::string& out) const {
    std::ifstream in(path(out + "/results.jsonl"));
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n += !line.empty();
    return n;
  }
};

// Ctrl-C while a runtime that ignores it runs, at --sut-timeout 40: the signal is forwarded, the
// runtime is killed after the 1 s grace, mxconf exits 130 within about a second, nothing about
// the interrupted cases is recorded, and --resume finishes the run with every case once.
TEST_F(Interrupt, CtrlCStopsAnExternalSystemWithinASecondAndTheRunResumes) {
  const std::string exec = stubborn_runtime();
  std::ofstream(path("hang")) << "";
  const std::string args = "run --cases 6 --seed 5 --jobs 2 --sut-timeout 40 --out " + path("run") +
                           " --sut-exec '" + exec + " {tosa} {inputs} {outdir}'";
  const auto [code, secs] = interrupt(args, {SIGINT});
  EXPECT_EQ(code, 130);
  EXPECT_LT(secs, 4.0) << "not the 40 s timeout";
  EXPECT_GE(secs, 0.9) << "the runtime had its 1 s of grace";
  EXPECT_EQ(result_lines("run"), 0u) << "an interrupted case is no failure of the system";
  expect_no_child_left();
  size_t kept = 0;  // nor is its work directory evidence
  for (const auto& e : fs::directory_iterator(path("run/sut")))
    kept += e.is_directory() && e.path().filename() != "workers";
  EXPECT_EQ(kept, 0u);

  fs::remove(path("hang"));
  EXPECT_EQ(run(args + " --resume"), 0);
  std::ifstream in(path("run/results.jsonl"));
  std::set<uint64_t> seen;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["verdict"], "pass") << line;
    EXPECT_TRUE(seen.insert(j["index"].get<uint64_t>()).second) << line;
  }
  EXPECT_EQ(seen.size(), 6u);
}

// A second Ctrl-C does not wait for the grace: the runtime's group is killed and mxconf ends at
// once. SIGTERM is forwarded like SIGINT and gives 143.
TEST_F(Interrupt, ASecondCtrlCKillsAtOnceAndTermGives143) {
  const std::string exec = stubborn_runtime();
  std::ofstream(path("hang")) << "";
  const std::string tail =
      " --seed 5 --sut-timeout 40 --sut-exec '" + exec + " {tosa} {inputs} {outdir}' --out ";
  const auto [code, secs] = interrupt("run --cases 4" + tail + path("twice"), {SIGINT, SIGINT});
  EXPECT_EQ(code, 130);
  EXPECT_LT(secs, 0.2 + 0.6) << "the second signal ends it without the 1 s grace";
  expect_no_child_left();

  fs::remove(path("children"));
  const auto [term_code, term_secs] = interrupt("run --cases 4" + tail + path("term"), {SIGTERM});
  EXPECT_EQ(term_code, 143);
  EXPECT_LT(term_secs, 4.0);
  expect_no_child_left();
}

// --sut-versions auto (the default) never calls a program that is not marked as an mxconf
// adapter with --version-info; `on` does, and its answer lands in run.json.
TEST_F(Interrupt, TheVersionProbeIsOptInForProgramsThatAreNotAdapters) {
  const std::string script = path("plain.sh");
  std::ofstream(script) << "#!/bin/sh\n"
                        << "if [ \"$1\" = --version-info ]; then touch " << path("asked")
                        << "; echo '{\"plain\": \"1.0\"}'; exit 0; fi\n"
                        << "exec " << MXCONF_FAKE_SUT << " exec correct \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  const std::string exec = " --sut-exec '" + script + " {tosa} {inputs} {outdir}' --out ";
  EXPECT_EQ(run("run --cases 2 --seed 1" + exec + path("auto")), 0);
  EXPECT_FALSE(fs::exists(path("asked"))) << "called with an argument it was not made for";
  std::ifstream auto_run(path("auto/run.json"));
  EXPECT_FALSE(nlohmann::json::parse(auto_run)["provenance"].contains("sut_versions"));

  EXPECT_EQ(run("run --cases 2 --seed 1 --sut-versions on" + exec + path("on")), 0);
  EXPECT_TRUE(fs::exists(path("asked")));
  std::ifstream on_run(path("on/run.json"));
  EXPECT_EQ(nlohmann::json::parse(on_run)["provenance"]["sut_versions"]["exec"]["plain"], "1.0");
}

}  // namespace
}  // namespace mxconf::test

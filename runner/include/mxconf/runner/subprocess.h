// Running an external system under test: a command template with {placeholders}, split into an
// argv without a shell, and a child process with a timeout whose exit code, signal and stderr
// are captured. (Debian packages no C++ subprocess library; this is posix_spawn underneath.)
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mxconf::runner {

// "COMMAND {tosa} {inputs} {outdir}": split at whitespace, with '...' and "..." quoting and
// backslash escapes, like a shell but without expansion. A token that is exactly one placeholder
// becomes one argument per value; a placeholder inside a longer token takes its values joined
// with ','. Throws std::invalid_argument naming the problem (unterminated quote, a placeholder
// not in `allowed`, an empty command).
class CommandTemplate {
 public:
  CommandTemplate() = default;
  CommandTemplate(std::string_view text, const std::vector<std::string>& allowed);
  std::vector<std::string> expand(const std::map<std::string, std::vector<std::string>>& v) const;
  const std::string& text() const { return text_; }
  // The leading tokens with no placeholder: the program and its fixed arguments (what a worker
  // is started with, before "--worker").
  size_t fixed_prefix() const;
  bool empty() const { return tokens_.empty(); }
  bool uses(std::string_view placeholder) const;  // "target": does the text hold {target}?

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

struct ProcessOutcome {
  bool started = false;      // false: the program could not be run (see `error`)
  int exit_code = -1;        // when it exited
  int signal = 0;            // when a signal ended it
  bool timed_out = false;    // killed (with its process group) after the timeout
  bool interrupted = false;  // stopped because the user interrupted mxconf (interrupt_children)
  double seconds = 0;
  std::string error;        // why it could not be started, or how a worker ended unasked
  std::string stderr_tail;  // the last few KB of its stderr

  bool ok() const {
    return started && !timed_out && signal == 0 && exit_code == 0 && error.empty();
  }
  std::string describe() const;  // "exit code 3", "killed by SIGSEGV", "timed out after 5 s"...
  nlohmann::json to_json() const;
};

// Interrupting external systems (docs/reliability.md). A user's Ctrl-C reaches mxconf's process
// group only: each child runs in a group of its own. On the first SIGINT/SIGTERM the CLI calls
// interrupt_children(sig): every wait below forwards `sig` to its child's process group, gives
// it kInterruptGraceSeconds to end, then SIGKILLs the group, and returns `interrupted`. On the
// second it calls kill_children_now(), which SIGKILLs every running child's group. Both are
// async-signal-safe (atomics and kill(2) only).
inline constexpr double kInterruptGraceSeconds = 1.0;
void interrupt_children(int sig) noexcept;
void kill_children_now() noexcept;
int interrupt_signal() noexcept;  // the signal interrupt_children was given; 0 before

// Runs argv[0] (searched in PATH) with stdout and stderr sent to files in `log_dir`
// (stdout.txt, stderr.txt). The child gets its own process group, so a timeout also kills
// anything it started.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           const std::string& log_dir);

// Long-lived adapter processes that serve one request per line (sut/common/adapter.py): started
// as `PROGRAM FIXED_ARGS... --worker`, sent {"id": N, "argv": [...]} with the rest of what the
// one-shot command would get, answering {"id": N, "exit": CODE, "stderr": "..."}. One process per
// concurrent caller, reused across cases; a process that dies, hangs or answers garbage is
// killed (with its process group) and replaced by the next request. What a request returns is
// what the one-shot command would have: its exit code, or its signal or timeout.
class WorkerPool {
 public:
  // worker_argv: the command that starts a worker; log_dir: where each worker's stderr goes.
  // startup_seconds: extra time the first request of a fresh worker gets (imports, set-up).
  // max_restarts: how many workers may be lost (crashed, hung, out of step) and replaced before
  // the pool gives up; it also gives up once kNeverAnswered fresh workers have timed out on
  // their first request while none has ever answered (a worker that cannot start). A pool that
  // gave up answers every request at once with an error saying why.
  WorkerPool(std::vector<std::string> worker_argv, std::string log_dir, double startup_seconds,
             size_t max_restarts = 32);
  static constexpr size_t kNeverAnswered = 2;
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Thread-safe. log_dir: where this request's stderr tail is copied (stderr.txt).
  ProcessOutcome request(const std::vector<std::string>& args, double timeout_seconds,
                         const std::string& log_dir);
  size_t started() const { return started_; }  // workers started so far (restarts included)

 private:
  struct Worker;
  std::unique_ptr<Worker> spawn(std::string& error);
  std::vector<std::string> argv_;
  std::string log_dir_;
  double startup_seconds_;
  size_t max_restarts_;
  std::mutex mu_;
  size_t lost_ = 0;            // guarded by mu_: workers lost so far
  size_t first_timeouts_ = 0;  // guarded by mu_: fresh workers that timed out unanswered
  bool any_answered_ = false;  // guarded by mu_
  std::string gave_up_;        // guarded by mu_: why no more workers are started
  void note_lost(bool fresh, bool timed_out);
  std::vector<std::unique_ptr<Worker>> idle_;
  std::atomic<size_t> started_{0};
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace mxconf::runner

#include "mxconf/runner/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mxconf::runner {
namespace {

constexpr size_t kStderrTail = 4096;

// The running children's process groups, for kill_children_now() from a signal handler: a fixed
// table of lock-free slots (a child that finds no free slot is still stopped by its own wait).
constexpr size_t kChildSlots = 512;
std::atomic<pid_t> g_children[kChildSlots];
std::atomic<int> g_interrupt{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

void track_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void untrack_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t mine = pid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

// Forwards a user's interrupt to a child's group once, then SIGKILLs it after the grace period.
// Returns true once the child should be given up as interrupted.
class InterruptForwarder {
 public:
  explicit InterruptForwarder(pid_t pid) : pid_(pid) {}
  bool poll() {
    const int sig = g_interrupt.load();
    if (sig == 0) return false;
    const auto now = std::chrono::steady_clock::now();
    if (!forwarded_) {
      forwarded_ = true;
      since_ = now;
      ::kill(-pid_, sig);
      return false;
    }
    if (std::chrono::duration<double>(now - since_).count() < kInterruptGraceSeconds) return false;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    return true;
  }

 private:
  pid_t pid_;
  bool forwarded_ = false;
  std::chrono::steady_clock::time_point since_;
};

std::string interrupted_by(int sig) {
  const char* n = ::sigabbrev_np(sig);
  return std::string("interrupted by the user (") + (n ? "SIG" + std::string(n) : "a signal") + ")";
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < s.size()) {
        cur += s[++i];
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) throw std::invalid_argument("unterminated " + std::string(1, quote) + " quote");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

std::string tail_of_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0));
  const size_t from = size > kStderrTail ? size - kStderrTail : 0;
  in.seekg(std::streamoff(from));
  std::string s(size - from, '\0');
  in.read(s.data(), std::streamsize(s.size()));
  return from > 0 ? "..." + s : s;
}

// Starts argv[0] (searched in PATH) in a process group of its own (so that a timeout or a signal
// reaches its children too), with an empty signal mask and SIGPIPE back at its default (mxconf
// ignores it for its workers). `redirect` sets up its standard streams. Returns posix_spawn's code.
int spawn_in_own_group(const std::vector<std::string>& argv, pid_t& pid,
                       const std::function<void(posix_spawn_file_actions_t&)>& redirect) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  redirect(fa);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  if (rc == 0) track_child(pid);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc;
}

}  // namespace

void interrupt_children(int sig) noexcept {
  g_interrupt.store(sig);
}

void kill_children_now() noexcept {
  for (auto& slot : g_children) {
    const pid_t pid = slot.load();
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
}

int interrupt_signal() noexcept {
  return g_interrupt.load();
}

CommandTemplate::CommandTemplate(std::string_view text, const std::vector<std::string>& allowed)
    : text_(text), tokens_(split_words(text)) {
  if (tokens_.empty()) throw std::invalid_argument("the command is empty");
  for (const std::string& t : tokens_) {
    for (size_t open = t.find('{'); open != std::string::npos; open = t.find('{', open + 1)) {
      const size_t close = t.find('}', open);
      if (close == std::string::npos) continue;  // a lone brace is literal
      const std::string key = t.substr(open + 1, close - open - 1);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "{" : ", {") + a + "}";
        throw std::invalid_argument("unknown placeholder {" + key + "} (known: " + list + ")");
      }
    }
  }
}

bool CommandTemplate::uses(std::string_view placeholder) const {
  return text_.find("{" + std::string(placeholder) + "}") != std::string::npos;
}

size_t CommandTemplate::fixed_prefix() const {
  size_t n = 0;
  while (n < tokens_.size() && tokens_[n].find('{') == std::string::npos) ++n;
  return n;
}

std::vector<std::string> CommandTemplate::expand(
    const std::map<std::string, std::vector<std::string>>& v) const {
  std::vector<std::string> argv;
  for (const std::string& t : tokens_) {
    if (t.size() > 2 && t.front() == '{' && t.back() == '}') {
      const auto it = v.find(t.substr(1, t.size() - 2));
      if (it != v.end()) {
        argv.insert(argv.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    std::string out = t;
    for (const auto& [key, values] : v) {
      std::string joined;
      for (const auto& x : values) joined += (joined.empty() ? "" : ",") + x;
      const std::string ph = "{" + key + "}";
      for (size_t p = out.find(ph); p != std::string::npos; p = out.find(ph, p + joined.size()))
        out.replace(p, ph.size(), joined);
    }
    argv.push_back(std::move(out));
  }
  return argv;
}

std::string ProcessOutcome::describe() const {
  if (!started) return "could not start: " + error;
  if (interrupted) return error.empty() ? "interrupted by the user" : error;
  if (!error.empty()) return error;
  if (timed_out) return "timed out after " + std::to_string(int(seconds + 0.5)) + " s";
  if (signal != 0) {
    const char* n = ::sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) + (n ? " (SIG" + std::string(n) + ")" : "");
  }
  return "exit code " + std::to_string(exit_code);
}

nlohmann::json ProcessOutcome::to_json() const {
  nlohmann::json j = {{"outcome", describe()},
                      {"exit_code", exit_code},
                      {"signal", signal},
                      {"timed_out", timed_out},
                      {"seconds", seconds}};
  if (!stderr_tail.empty()) j["stderr"] = stderr_tail;
  return j;
}

ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           const std::string& log_dir) {
  namespace fs = std::filesystem;
  ProcessOutcome r;
  if (argv.empty()) {
    r.error = "empty command";
    return r;
  }
  fs::create_directories(log_dir);
  const std::string out_path = (fs::path(log_dir) / "stdout.txt").string();
  const std::string err_path = (fs::path(log_dir) / "stderr.txt").string();
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = spawn_in_own_group(argv, pid, [&](posix_spawn_file_actions_t& fa) {
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  });
  if (rc != 0) {
    r.error = argv[0] + ": " + std::strerror(rc);
    return r;
  }
  r.started = true;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int status = 0;
  auto pause = std::chrono::microseconds(200);
  InterruptForwarder interrupt(pid);
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      r.error = std::string("waitpid: ") + std::strerror(errno);
      break;
    }
    if (interrupt.poll()) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    if (timeout_seconds > 0 && elapsed() > timeout_seconds) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
  if (!r.timed_out) ::kill(-pid, SIGKILL);  // anything it left running in its group
  untrack_child(pid);
  r.seconds = elapsed();
  if (const int sig = g_interrupt.load(); sig != 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
    // Whatever it did after the user's interrupt reached it is no answer about the case.
    r.interrupted = true;
    r.error = interrupted_by(sig);
  }
  if (!r.timed_out) {
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  }
  r.stderr_tail = tail_of_file(err_path);
  return r;
}

}  // namespace mxconf::runner

namespace mxconf::runner {

struct WorkerPool::Worker {
  pid_t pid = 0;
  int to_child = -1, from_child = -1;
  std::string pending;  // bytes read past the last reply line
  std::filesystem::path stderr_path;
  bool fresh = true;  // no request answered yet

  ~Worker() {
    if (to_child >= 0) ::close(to_child);
    if (from_child >= 0) ::close(from_child);
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      untrack_child(pid);
    }
  }
};

WorkerPool::WorkerPool(std::vector<std::string> worker_argv, std::string log_dir,
                       double startup_seconds, size_t max_restarts)
    : argv_(std::move(worker_argv)),
      log_dir_(std::move(log_dir)),
      startup_seconds_(startup_seconds),
      max_restarts_(max_restarts) {
  // A worker that dies makes the next write to its stdin fail with EPIPE instead of killing mxconf.
  ::signal(SIGPIPE, SIG_IGN);
}

WorkerPool::~WorkerPool() = default;

void WorkerPool::note_lost(bool fresh, bool timed_out) {
  std::lock_guard<std::mutex> lock(mu_);
  ++lost_;
  if (fresh && timed_out) ++first_timeouts_;
  if (!gave_up_.empty()) return;
  if (!any_answered_ && first_timeouts_ >= kNeverAnswered) {
    gave_up_ = std::to_string(first_timeouts_) +
               " workers timed out on their first case and none has ever answered (see " +
               log_dir_ + "); no more are started";
  } else if (lost_ > max_restarts_) {
    gave_up_ = std::to_string(lost_) + " workers were lost, more than the restart budget (" +
               std::to_string(max_restarts_) + ", --sut-restarts); no more are started";
  }
}

std::unique_ptr<WorkerPool::Worker> WorkerPool::spawn(std::string& error) {
  namespace fs = std::filesystem;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!gave_up_.empty()) {
      error = gave_up_;
      return nullptr;
    }
  }
  auto w = std::make_unique<Worker>();
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return nullptr;
  }
  fs::create_directories(log_dir_);
  const size_t n = started_.fetch_add(1);
  w->stderr_path = fs::path(log_dir_) / ("worker-" + std::to_string(n) + ".stderr.txt");
  const int rc = spawn_in_own_group(argv_, w->pid, [&](posix_spawn_file_actions_t& fa) {
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, w->stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  });
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  w->to_child = in_pipe[1];
  w->from_child = out_pipe[0];
  if (rc != 0) {
    w->pid = 0;
    error = argv_[0] + ": " + std::strerror(rc);
    return nullptr;
  }
  return w;
}

ProcessOutcome WorkerPool::request(const std::vector<std::string>& args, double timeout_seconds,
                                   const std::string& log_dir) {
  namespace fs = std::filesystem;
  ProcessOutcome r;
  std::unique_ptr<Worker> w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      w = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!w) {
    w = spawn(r.error);
    if (!w) return r;
  }
  r.started = true;
  const auto start = std::chrono::steady_clock::now();
  const double limit = timeout_seconds + (w->fresh ? startup_seconds_ : 0.0);
  const uint64_t id = next_id_.fetch_add(1);
  const std::string line = nlohmann::json{{"id", id}, {"argv", args}}.dump() + "\n";
  // The end of this worker: how it ended, and its stderr as evidence.
  InterruptForwarder interrupt(w->pid);
  auto lost = [&](bool timed_out) {
    r.timed_out = timed_out;
    if (g_interrupt.load() == 0) note_lost(w->fresh, timed_out);  // an interrupt is no loss
    ::close(w->to_child);
    w->to_child = -1;
    int status = 0;
    if (timed_out) {
      ::kill(-w->pid, SIGKILL);
      ::kill(w->pid, SIGKILL);
    } else {
      ::kill(-w->pid, SIGKILL);  // anything it left running in its group
    }
    while (::waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    w->pid = 0;
    if (const int sig = g_interrupt.load(); sig != 0) {
      r.interrupted = true;  // what it did after the user's interrupt is no answer
      r.timed_out = false;
      r.error = interrupted_by(sig);
    } else if (!timed_out) {
      if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
      // It ended without answering the case: say how (a status 0 is no success here).
      if (r.signal == 0 && r.exit_code == 0)
        r.error = "the worker exited with status 0 without answering the case";
    }
    r.stderr_tail = tail_of_file(w->stderr_path);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  for (size_t sent = 0; sent < line.size();) {
    const ssize_t k = ::write(w->to_child, line.data() + sent, line.size() - sent);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return lost(false);  // it is gone (SIGPIPE is ignored by the caller)
    sent += size_t(k);
  }
  for (;;) {
    const size_t nl = w->pending.find('\n');
    if (nl != std::string::npos) {
      const std::string reply = w->pending.substr(0, nl);
      w->pending.erase(0, nl + 1);
      const nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
      if (j.is_discarded() || !j.is_object() || j.value("id", uint64_t{0}) != id ||
          !j.contains("exit") || !j["exit"].is_number_integer()) {
        note_lost(w->fresh, false);
        w.reset();  // a worker out of step is not reused
        r.error = "the worker broke the protocol: " + reply.substr(0, 200);
        r.stderr_tail = reply.substr(0, 4096);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
      }
      r.exit_code = j["exit"].get<int>();
      // A worker that runs each request in a process of its own (a fork) reports the signal that
      // ended it: the case crashed as a one-shot process would, and the worker lives on.
      if (j.contains("signal") && j["signal"].is_number_integer() && j["signal"].get<int>() > 0)
        r.signal = j["signal"].get<int>();
      r.stderr_tail = j.value("stderr", "");
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fs::create_directories(log_dir);
      std::ofstream(fs::path(log_dir) / "stderr.txt") << r.stderr_tail;
      w->fresh = false;
      std::lock_guard<std::mutex> lock(mu_);
      any_answered_ = true;
      idle_.push_back(std::move(w));
      return r;
    }
    if (interrupt.poll()) return lost(true);
    const double left =
        limit - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timeout_seconds > 0 && left <= 0) return lost(true);
    // Waits of at most 50 ms, so that a user's interrupt is seen at once.
    pollfd p{w->from_child, POLLIN, 0};
    const int ready = ::poll(&p, 1, std::clamp(timeout_seconds > 0 ? int(left * 1000) : 50, 1, 50));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char buf[4096];
    const ssize_t k = ::read(w->from_child, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return lost(false);  // EOF: it died
    w->pending.append(buf, size_t(k));
  }
}

}  // namespace mxconf::runner

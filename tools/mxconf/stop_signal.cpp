#include <unistd.h>

#include <atomic>
#include <csignal>

#include "commands.h"
#include "mxconf/runner/subprocess.h"

namespace mxconf::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

// The first SIGINT/SIGTERM asks for a stop: the run finishes the cases in flight, interrupts the
// external systems it is waiting for (their process groups get the same signal, then SIGKILL a
// second later) and keeps every line it wrote. The second means "now": every child group is
// killed and mxconf exits at once; a torn last line of results.jsonl is dropped by --resume.
extern "C" void on_stop_signal(int sig) {
  if (g_stop.exchange(true)) {
    runner::kill_children_now();
    ::_exit(128 + sig);
  }
  g_signal = sig;
  runner::interrupt_children(sig);
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return g_stop;
}

int stop_exit_code() {
  const int sig = g_signal.load();
  return 128 + (sig ? sig : SIGINT);  // 130 for SIGINT, 143 for SIGTERM, as shells report them
}

}  // namespace mxconf::cli

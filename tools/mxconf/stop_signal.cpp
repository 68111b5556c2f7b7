#include <atomic>
#include <csignal>

#include "commands.h"

namespace mxconf::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop = true;
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

// Registration of the mxconf subcommands. Each returns the process exit code through `result`.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <exception>
#include <string>

namespace mxconf::cli {

// Thrown for bad input: printed as "mxconf <cmd>: error: <what>" with exit code 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Makes `body` the subcommand's action. Any exception becomes "mxconf <command>: error: <what>" on
// stderr and exit code 1; otherwise `result` is what body returned.
template <typename Body>
void set_action(CLI::App* cmd, int& result, Body body) {
  cmd->callback([cmd, &result, body] {
    try {
      result = body();
    } catch (const std::exception& e) {
      // The full command path: "mxconf report pairs: error: ...".
      std::string path = cmd->get_name();
      for (const CLI::App* p = cmd->get_parent(); p && p->get_parent(); p = p->get_parent())
        path = p->get_name() + " " + path;
      std::fprintf(stderr, "mxconf %s: error: %s\n", path.c_str(), e.what());
      result = 1;
    }
  });
}

// Installs SIGINT/SIGTERM handlers that set the returned flag, so a long command (run, check,
// export) stops between cases, keeps what it wrote and exits stop_exit_code().
const std::atomic<bool>& stop_on_signals();
// The exit status for a run stopped by a signal: 128 + its number (130 INT, 143 TERM).
int stop_exit_code();

void add_quantize_command(CLI::App& app, int& result);
void add_selfcheck_command(CLI::App& app, int& result);
void add_lower_command(CLI::App& app, int& result);
void add_dump_command(CLI::App& app, int& result);
void add_exec_command(CLI::App& app, int& result);
void add_run_command(CLI::App& app, int& result);
void add_replay_command(CLI::App& app, int& result);
void add_report_command(CLI::App& app, int& result);
void add_export_command(CLI::App& app, int& result);
void add_check_command(CLI::App& app, int& result);

}  // namespace mxconf::cli

// Registration of the mxconf subcommands. Each returns the process exit code through `result`.
#pragma once

#include <CLI/CLI.hpp>

namespace mxconf::cli {

// Thrown for bad input: printed as "mxconf <cmd>: error: <what>" with exit code 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_quantize_command(CLI::App& app, int& result);

}  // namespace mxconf::cli

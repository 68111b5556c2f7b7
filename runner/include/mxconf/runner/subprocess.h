// Running an external system under test: a command template with {placeholders}, split into an
// argv without a shell, and a child process with a timeout whose exit code, signal and stderr
// are captured. (Debian packages no C++ subprocess library; this is posix_spawn underneath.)
#pragma once

#include <nlohmann/json.hpp>

#include <map>
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
  bool empty() const { return tokens_.empty(); }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

struct ProcessOutcome {
  bool started = false;    // false: the program could not be run (see `error`)
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it
  bool timed_out = false;  // killed (with its process group) after the timeout
  double seconds = 0;
  std::string error;        // why it could not be started
  std::string stderr_tail;  // the last few KB of its stderr

  bool ok() const { return started && !timed_out && signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exit code 3", "killed by SIGSEGV", "timed out after 5 s"...
  nlohmann::json to_json() const;
};

// Runs argv[0] (searched in PATH) with stdout and stderr sent to files in `log_dir`
// (stdout.txt, stderr.txt). The child gets its own process group, so a timeout also kills
// anything it started.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           const std::string& log_dir);

}  // namespace mxconf::runner

// A scratch directory per test (scratch_dir.h) and a runner for the mxconf binary (MXCONF_CLI).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/scratch_dir.h"

namespace mxconf::test {

namespace fs = std::filesystem;

class CliTest : public ScratchDirTest {
 protected:
  // Runs mxconf with args; returns the exit code and captures stderr.
  int run(const std::string& args, std::string* err = nullptr) const {
    const std::string err_file = path("stderr.txt");
    const std::string cmd = std::string(MXCONF_CLI) + " " + args + " >/dev/null 2>" + err_file;
    const int status = std::system(cmd.c_str());
    if (err) {
      std::ifstream in(err_file);
      err->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    fs::remove(err_file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }

  // Each command must fail: a non-zero exit, stderr naming the problem, and no output file left.
  struct BadInput {
    std::string args, message;
  };
  void expect_clean_failures(const std::vector<BadInput>& cases) const {
    for (const BadInput& c : cases) {
      std::string err;
      EXPECT_NE(run(c.args, &err), 0) << c.args;
      EXPECT_NE(err.find(c.message), std::string::npos) << c.args << "\n" << err;
      EXPECT_TRUE(outputs().empty()) << c.args << " left output behind";
    }
  }

  std::vector<std::string> outputs() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("in", 0) != 0 && n != "stderr.txt") names.push_back(n);
    }
    return names;
  }
};

}  // namespace mxconf::test

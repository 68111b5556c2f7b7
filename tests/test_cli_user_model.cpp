// Your own model in one command: a bare model JSON (as `mxconf lower` takes it) runs under
// `run --case-files` and `replay`, and a failing case-file run leaves a replay line and a file in
// failures/ that reproduces it.
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

// docs/model-format.md's conv2d example, as a user would write it.
constexpr const char* kConvModel = R"({
  "mxconf_model": 1,
  "input": {"shape": [1, 64, 8, 8], "dim_order": [0, 2, 3, 1]},
  "layers": [
    {"type": "conv2d", "in_channels": 64, "out_channels": 32, "kernel": [3, 3], "padding": 1,
     "bias": true, "payload": "fp8e4m3", "weights": {"seed": 1}},
    {"type": "conv2d", "in_channels": 32, "out_channels": 16, "kernel": [1, 2],
     "pad": [0, 0, 0, 1], "payload": "fp8e4m3", "weights": {"seed": 2}}
  ]
})";

class UserModel : public CliTest {
 protected:
  // Runs mxconf; returns its exit code, with stdout in *out.
  int run_capturing(const std::string& args, std::string* out) const {
    const std::string file = path("stdout.txt");
    const int status =
        std::system((std::string(MXCONF_CLI) + " " + args + " >" + file + " 2>&1").c_str());
    std::ifstream in(file);
    out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }
  nlohmann::json first_result(const std::string& out) const {
    std::ifstream in(path(out + "/results.jsonl"));
    std::string line;
    std::getline(in, line);
    return nlohmann::json::parse(line);
  }
};

// The conv model needs EXT-MXFP-CONV: the wrapped case's target has it (inferred from the
// layers), so mxconf's own pipeline passes it bit-exactly; replay takes the same file.
TEST_F(UserModel, ABareModelRunsAndReplays) {
  std::ofstream(path("model.json")) << kConvModel;
  std::string out;
  EXPECT_EQ(run_capturing("run --case-files " + path("model.json") + " --out " + path("r"), &out),
            0)
      << out;
  const nlohmann::json r = first_result("r");
  EXPECT_EQ(r["verdict"], "pass") << r.dump();
  EXPECT_EQ(r["facets"]["op"], "MXFP_CONV2D");
  EXPECT_EQ(r["facets"]["layers"], 2);
  EXPECT_EQ(run_capturing("replay " + path("model.json"), &out), 0) << out;
  EXPECT_NE(out.find("target: TOSA-1.1+FP+mxfp+mxfp_conv, cast rule tosa"), std::string::npos)
      << "the inferred target\n"
      << out;
}

// A case-file run against a runtime that writes the wrong shape: the failure is saved under
// failures/ and the printed replay line reproduces it (exit 1, the same symptom).
TEST_F(UserModel, ACaseFileFailureHasAReplayLine) {
  std::ofstream(path("model.json")) << kConvModel;
  const std::string sut = " --sut-exec '" + std::string(MXCONF_FAKE_SUT) +
                          " exec wrong-shape {tosa} {inputs} {outdir}'";
  std::string out;
  EXPECT_EQ(
      run_capturing("run --case-files " + path("model.json") + sut + " --out " + path("r"), &out),
      1);
  const nlohmann::json r = first_result("r");
  ASSERT_EQ(r["verdict"], "fail") << r.dump();
  const std::string replay = r["minimal"]["replay"].get<std::string>();
  EXPECT_NE(replay.find(path("r/failures/")), std::string::npos) << replay;
  EXPECT_NE(replay.find("--sut-exec"), std::string::npos) << replay;
  EXPECT_NE(out.find("replay: " + replay), std::string::npos) << out;
  std::string replayed;
  ASSERT_EQ(replay.rfind("mxconf ", 0), 0u) << replay;
  EXPECT_EQ(run_capturing(replay.substr(std::string("mxconf ").size()), &replayed), 1) << replayed;
  EXPECT_NE(replayed.find("shape"), std::string::npos) << replayed;
}

// A bare model that breaks a rule is refused by name, as `mxconf lower` would refuse it.
TEST_F(UserModel, ABrokenBareModelIsNamed) {
  std::ofstream(path("bad.json"))
      << R"({"mxconf_model": 1, "input": {"shape": [1, 30]}, "layers": [{"in_features": 30, "out_features": 8}]})";
  std::string out;
  EXPECT_NE(run_capturing("replay " + path("bad.json"), &out), 0);
  EXPECT_NE(out.find("/layers/0/in_features"), std::string::npos) << out;
}

// --sut-python: the adapters in sut/ run with the Python given (your own venv), with no mxconf
// venv or marker file; run.json records what that Python's adapter says of its versions. The
// "Python" here is a script that stands in for one (it gets the adapter's .py and its arguments).
TEST_F(UserModel, SutPythonRunsTheAdaptersWithYourPython) {
  const std::string py = path("python");
  std::ofstream(py)
      << "#!/bin/sh\nshift\n"
      << "if [ \"$1\" = --version-info ]; then echo '{\"mine\": \"0.1\"}'; exit 0; fi\n"
      << "exec " << MXCONF_FAKE_SUT << " exec correct \"$@\"\n";
  fs::permissions(py, fs::perms::owner_all);
  const std::string adapter =
      fs::path(MXCONF_SUT_CASES_DIR).parent_path().parent_path() / "tosa_reference_model" / "exec";
  const std::string args = "run --cases 3 --seed 2 --sut-exec '" + adapter +
                           " {tosa} {inputs} {outdir}' --out " + path("r");
  std::string out;
  EXPECT_EQ(std::system(("MXCONF_SUT_VENV=/nonexistent " + std::string(MXCONF_CLI) + " " + args +
                         " --sut-python " + py + " >/dev/null 2>&1")
                            .c_str()),
            0);
  std::ifstream run_json(path("r/run.json"));
  EXPECT_EQ(nlohmann::json::parse(run_json)["provenance"]["sut_versions"]["exec"]["mine"], "0.1");
  EXPECT_EQ(first_result("r")["verdict"], "pass");

  EXPECT_EQ(run_capturing(args + " --sut-python " + path("nothing-here"), &out), 1);
  EXPECT_NE(out.find("--sut-python: " + path("nothing-here") + " is not an executable Python"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace mxconf::test

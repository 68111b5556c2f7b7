// mxconf export / check / run --sut-exec end to end: the round trip through mxconf's own
// interpreter as an external runtime must pass every valid case; bad input fails cleanly.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "mxconf/io/npy.h"
#include "mxconf/pipeline/serialize.h"
#include "support/cli_fixture.h"

namespace mxconf::test {
namespace {

nlohmann::json read_json(const std::string& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

class ExternalCli : public CliTest {
 protected:
  // mxconf exec over every test of a package, as an external runtime would: outputs go to
  // results/<test>/; graphs it rejects leave no output.
  void execute_package(const std::string& pkg, const std::string& results) const {
    const nlohmann::json index = read_json(pkg + "/index.json");
    for (const auto& t : index["tests"]) {
      const std::string dir = pkg + "/" + t["name"].get<std::string>();
      const nlohmann::json desc = read_json(dir + "/desc.json");
      std::string inputs;
      for (size_t i = 0; i < desc["ifm_name"].size(); ++i) {
        inputs += " --input " + desc["ifm_name"][i].get<std::string>() + "=" + dir + "/" +
                  desc["ifm_file"][i].get<std::string>();
      }
      run("exec " + dir + "/model.tosa" + inputs + " --output-dir " + results + "/" +
          t["name"].get<std::string>());
    }
  }
};

TEST_F(ExternalCli, ExportThenMxconfExecThenCheckPassesEveryValidCase) {
  ASSERT_EQ(
      run("export --cases 40 --seed 3 --max-k 128 --invalid-fraction 0.2 --out " + path("pkg")), 0);
  const nlohmann::json index = read_json(path("pkg/index.json"));
  ASSERT_EQ(index["kind"], "mxconf-conformance-package");
  EXPECT_EQ(index["complete"], true);
  size_t valid = 0, negative = 0;
  for (const auto& t : index["tests"]) {
    const std::string name = t["name"].get<std::string>();
    EXPECT_TRUE(name.rfind("mxfp_linear_", 0) == 0 || name.rfind("mxfp_conv2d_", 0) == 0) << name;
    EXPECT_EQ(t["fingerprint"].get<std::string>().size(), 16u);
    const nlohmann::json desc = read_json(path("pkg/" + name + "/desc.json"));
    EXPECT_TRUE(fs::exists(path("pkg/" + name + "/" + desc["tosa_file"].get<std::string>())));
    if (t["expected_failure"].get<bool>()) {
      ++negative;
      EXPECT_EQ(desc["expected_failure"], true);
      continue;
    }
    ++valid;
    EXPECT_EQ(desc["test_requirements"]["profiles_supported"], nlohmann::json({"FP"}));
    const auto& ofm = desc["ofm_name"][0].get<std::string>();
    const auto& tensor = desc["meta"]["compliance"]["tensors"][ofm];
    const std::vector<int64_t> shape = tensor["shape"];
    if (tensor["mode"] == "DOT_PRODUCT") {
      const auto& info = tensor["dot_product_info"];
      EXPECT_GE(info["ksb"].get<int64_t>(), 32);
      EXPECT_GT(info["abs_bound"].get<double>(), 0);
    } else {
      EXPECT_EQ(tensor["mode"], "EXACT");
    }
    // The fp64 reference and the bounds cover the output tensor.
    for (const char* f : {"expected-0.npy", "bounds-0.npy"}) {
      const io::NpyArray a = io::read_npy(path("pkg/" + name + "/" + f));
      EXPECT_EQ(a.dtype, io::NpyDtype::f8);
      EXPECT_EQ(a.shape, shape) << name << " " << f;
    }
  }
  ASSERT_GT(valid, 20u);
  EXPECT_GT(negative, 0u);

  execute_package(path("pkg"), path("res"));
  std::string err;
  ASSERT_EQ(
      run("check " + path("pkg") + " --results " + path("res") + " --out " + path("chk"), &err), 0)
      << err;
  const nlohmann::json summary = read_json(path("chk/summary.json"));
  EXPECT_EQ(summary["counts"].value("pass", 0u), valid) << summary.dump();
  EXPECT_EQ(summary["counts"].value("rejected-as-expected", 0u), negative) << summary.dump();
  for (const char* f : {"report.json", "junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(fs::exists(path("chk/report/") + f)) << f;

  // A result that is off by one ulp in one element is compliant, not bit-exact: it passes by
  // default and fails tier (a), and nothing else, when bit-exactness is required.
  const std::string first = index["tests"][0]["name"].get<std::string>();
  if (!index["tests"][0]["expected_failure"].get<bool>()) {
    const nlohmann::json desc = read_json(path("pkg/" + first + "/desc.json"));
    const std::string file = path("res/" + first + "/" + desc["ofm_file"][0].get<std::string>());
    io::NpyArray a = io::read_npy(file);
    a.data[0] ^= 1;  // the lowest mantissa bit of element 0
    const auto bytes = io::serialize_npy(a);
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    EXPECT_EQ(run("check " + path("pkg") + " --results " + path("res") + " --out " + path("chk1")),
              0);
    std::ifstream lines(path("chk1/results.jsonl"));
    int compliant = 0;
    for (std::string line; std::getline(lines, line);)
      compliant += nlohmann::json::parse(line).value("level", "") == "compliant";
    EXPECT_EQ(compliant, 1);
    EXPECT_EQ(run("check " + path("pkg") + " --results " + path("res") + " --out " + path("chk2") +
                  " --require bit-exact"),
              1);
    const nlohmann::json s2 = read_json(path("chk2/summary.json"));
    ASSERT_EQ(s2["failures"].size(), 1u) << s2.dump();
    EXPECT_EQ(s2["failures"][0]["tier"], "a");
  }
}

TEST_F(ExternalCli, RunWithMxconfExecAsTheExternalRuntimePasses) {
  const std::string sut =
      std::string(MXCONF_CLI) + " exec {tosa} --input {inputs} --output-dir {outdir}";
  std::string err;
  EXPECT_EQ(run("run --cases 30 --seed 5 --max-k 128 --invalid-fraction 0.2 --no-shrink --out " +
                    path("run") + " --sut-exec '" + sut + "'",
                &err),
            0)
      << err;
  const nlohmann::json summary = read_json(path("run/summary.json"));
  EXPECT_EQ(summary["cases_done"], 30);
  EXPECT_EQ(summary["identity"]["sut"]["exec"], sut);
}

TEST_F(ExternalCli, MissingAndMalformedResultsAreErrorVerdicts) {
  ASSERT_EQ(run("export --cases 6 --seed 4 --max-k 64 --invalid-fraction 0 --out " + path("pkg")),
            0);
  const nlohmann::json index = read_json(path("pkg/index.json"));
  ASSERT_EQ(index["tests"].size(), 6u);
  // One malformed result file; the other five are missing.
  const std::string name = index["tests"][0]["name"].get<std::string>();
  const nlohmann::json desc = read_json(path("pkg/" + name + "/desc.json"));
  fs::create_directories(path("res/" + name));
  std::ofstream(path("res/" + name + "/" + desc["ofm_file"][0].get<std::string>())) << "junk";
  EXPECT_EQ(run("check " + path("pkg") + " --results " + path("res") + " --out " + path("chk")), 1);
  const nlohmann::json summary = read_json(path("chk/summary.json"));
  EXPECT_EQ(summary["counts"].value("error", 0), 6) << summary.dump();
  for (const auto& f : summary["failures"]) EXPECT_EQ(f["stage"], "sut-read");
}

TEST_F(ExternalCli, BadInputFailsCleanly) {
  fs::create_directories(path("in_empty"));
  std::ofstream(path("in_file")) << "x";
  const std::vector<BadInput> cases = {
      {"check " + path("in_empty") + " --results " + path("in_empty"),
       "not an mxconf conformance package"},
      {"run --cases 2 --out " + path("out_r") + " --sut-exec 'prog {nope}'", "unknown placeholder"},
      {"run --cases 2 --out " + path("out_r") + " --sut-lower \"prog 'open\"", "unterminated"},
      {"export --cases 2 --out " + path("in_file"), "not a directory"},
      {"export --cases 2 --campaign nope --out " + path("out_p"), "unknown campaign"},
      {"export --cases 2 --campaign fixed --out " + path("out_p"), "cannot be generated"},
      {"run --cases 2 --shard 0/2 --out " + path("out_s"), "shards count from 1"},
      {"run --cases 2 --shard 3/2 --out " + path("out_s"), "only 2 shards"},
      {"run --cases 2 --shard 1of2 --out " + path("out_s"), "not I/N"},
      {"run --cases 2 --cast-rule floor --out " + path("out_s"), "floor"},
      {"quantize --dtype fp9 --dequant " + path("out_q.npy") + " " + path("in_file"), "fp9"},
  };
  expect_clean_failures(cases);
  // A package is never overwritten.
  ASSERT_EQ(run("export --cases 2 --max-k 64 --out " + path("pkg")), 0);
  std::string err;
  EXPECT_NE(run("export --cases 2 --max-k 64 --out " + path("pkg"), &err), 0);
  EXPECT_NE(err.find("already holds a package"), std::string::npos) << err;
  EXPECT_NE(run("check " + path("pkg") + " --results " + path("in_missing"), &err), 0);
  EXPECT_NE(err.find("is not a directory"), std::string::npos) << err;
}

// The fixed cases every system is run on (sut/tests/cases): through mxconf's own pipeline each
// valid one passes bit-exactly and each ERROR_IF probe is rejected; a file that is not a case is an
// error naming it, and the other cases still run.
TEST_F(ExternalCli, CaseFilesRunUnderTheirFileNames) {
  const std::string cases = MXCONF_SUT_CASES_DIR;
  fs::create_directories(path("more"));
  std::ofstream(path("more/zz_not_a_case.json")) << "{\"mxconf_case\": 1, \"model\": 7}";
  ASSERT_EQ(run("run --case-files " + cases + " " + path("more") + " --out " + path("r")), 1);
  std::ifstream in(path("r/results.jsonl"));
  std::map<std::string, nlohmann::json> by_name;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json r = nlohmann::json::parse(line);
    by_name[r["name"].get<std::string>()] = r;
  }
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(cases)) {
    ++files;
    const std::string name = e.path().stem().string();
    ASSERT_TRUE(by_name.count(name)) << name;
    const nlohmann::json& r = by_name[name];
    if (name.rfind("errorif_", 0) == 0) {
      EXPECT_EQ(r["verdict"], "rejected-as-expected") << name;
    } else {
      EXPECT_EQ(r["verdict"], "pass") << name;
      EXPECT_EQ(r["level"], "bit-exact") << name;
    }
  }
  EXPECT_GE(files, 10u);
  ASSERT_EQ(by_name.size(), files + 1);
  EXPECT_EQ(by_name["zz_not_a_case"]["verdict"], "error");
  EXPECT_NE(by_name["zz_not_a_case"]["message"].get<std::string>().find("zz_not_a_case.json"),
            std::string::npos);
  std::string err;
  EXPECT_NE(run("run --case-files " + path("nowhere") + " --out " + path("r2"), &err), 0);
  EXPECT_NE(err.find("no file or directory"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path("r2")));
}

// x -> CAST_TO_BLOCK_SCALED -> (q, s), written as a .tosa file.
// `major` is the TOSA version's major number (a 2.x graph is beyond what mxconf reads).
void write_cast_file(const std::string& file, mxconf::pipeline::DType payload, uint32_t block,
                     int32_t major = 1) {
  using namespace mxconf::pipeline;
  Graph g;
  g.tensors = {{"x", {4, 64}, DType::fp32, std::nullopt},
               {"q", {4, 64}, payload, std::nullopt},
               {"s", {4, 2}, DType::fp8ue8m0, std::nullopt}};
  g.version.major = major;
  Operator op{OpKind::cast_to_block_scaled, 78, {"x"}, {"q", "s"}, {}};
  op.attrs.block_size = block;
  g.ops = {op};
  g.inputs = {"x"};
  g.outputs = {"q", "s"};
  const std::vector<uint8_t> bytes = serialize_graph(g);
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// exec's exit status tells a conformance harness (sut/tosa_tools_cts/mxconf_sut.py) a graph that
// breaks a TOSA rule (3: a negative test passes) from one mxconf cannot run (4: never a pass).
TEST_F(ExternalCli, ExecExitStatusSeparatesInvalidGraphsFromUnsupportedOnes) {
  using mxconf::pipeline::DType;
  write_cast_file(path("bad_block.tosa"), DType::fp8e4m3, 16);
  write_cast_file(path("tosa2.tosa"), DType::fp8e4m3, 32, 2);
  write_cast_file(path("mxint8.tosa"), DType::mxint8, 32);
  std::string err;
  EXPECT_EQ(run("exec " + path("bad_block.tosa") + " --output-dir " + path("o1"), &err), 3);
  EXPECT_NE(err.find("not valid TOSA"), std::string::npos) << err;
  EXPECT_EQ(run("exec " + path("tosa2.tosa") + " --output-dir " + path("o2"), &err), 4);
  EXPECT_NE(err.find("unsupported by mxconf"), std::string::npos) << err;
  EXPECT_NE(err.find("newer than this reader"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path("o1")));
  EXPECT_FALSE(fs::exists(path("o2")));
  // MXINT8 runs (EXT-MX-INT8); it needs an input file, so its absence is a bad request, exit 1.
  EXPECT_EQ(run("exec " + path("mxint8.tosa") + " --output-dir " + path("o3"), &err), 1);
  EXPECT_EQ(err.find("unsupported by mxconf"), std::string::npos) << err;
}

}  // namespace
}  // namespace mxconf::test

// Fake systems under test for tests/test_external_sut.cpp: a runtime and a lowering, each with
// a mode that makes it right or wrong in one known way.
//   fake_sut exec  MODE FILE.tosa INPUT.npy OUTDIR   correct | half-away | wrong-shape | garbage
//                                                    | crash | hang
//   fake_sut lower MODE MODEL.json OUT.tosa          correct | batched | invalid | crash | hang
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "mxconf/faults/faults.h"
#include "mxconf/generators/invalid_rules.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace {

using namespace mxconf;
namespace fs = std::filesystem;

[[noreturn]] void hang() {
  for (;;) ::pause();
}

int exec_mode(const std::string& mode, const std::string& tosa, const std::string& input,
              const std::string& out_dir) {
  if (mode == "crash") {
    std::fprintf(stderr, "fake_sut: crashing on purpose\n");
    std::abort();
  }
  if (mode == "hang") hang();
  // A seeded numeric bug: element rounding ties away from zero (needs fault injection).
  if (mode == "half-away") faults::inject(faults::Fault::round_half_away);
  const pipeline::LoadResult r = pipeline::deserialize_graph(io::read_file(tosa));
  if (!r.ok()) {
    std::fprintf(stderr, "fake_sut: cannot load %s\n", tosa.c_str());
    return 2;
  }
  const pipeline::Graph& g = *r.graph;
  const auto issues = pipeline::validate_tosa(g, pipeline::Target::parse("TOSA-1.1+FP+mxfp+bf16"));
  if (!issues.empty() || g.inputs.size() != 1) {
    std::fprintf(stderr, "fake_sut: graph rejected: %s\n",
                 issues.empty() ? "not one input" : issues[0].message.c_str());
    return 2;
  }
  const pipeline::Tensor& in = *g.find(g.inputs[0]);
  const io::NpyArray a = io::read_npy(input);
  const pipeline::Value v = in.dtype == pipeline::DType::bf16
                                ? pipeline::Value::from_bf16(in.shape, a.as<uint16_t>())
                                : pipeline::Value::from_f32(in.shape, a.as<float>());
  const auto outs = pipeline::run_graph(g, {{in.name, v}}, {});
  for (const auto& [name, y] : outs) {
    const std::string path = (fs::path(out_dir) / (name + ".npy")).string();
    if (mode == "garbage") {
      const std::string junk = "this is not a .npy file";
      io::write_file_atomic(path, {reinterpret_cast<const uint8_t*>(junk.data()), junk.size()});
      continue;
    }
    std::vector<int64_t> shape = y.shape;
    if (mode == "wrong-shape") shape.insert(shape.begin(), 1);  // same data, an extra dim
    const bool bf16 = y.dtype == pipeline::DType::bf16;
    io::write_file_atomic(
        path, io::serialize_npy(
                  bf16 ? io::make_npy(io::NpyDtype::u2, shape, y.bf16.data(), y.bf16.size() * 2)
                       : io::make_npy(io::NpyDtype::f4, shape, y.f32.data(), y.f32.size() * 4)));
  }
  return 0;
}

int lower_mode(const std::string& mode, const std::string& model, const std::string& out) {
  if (mode == "crash") {
    std::fprintf(stderr, "fake_sut: crashing on purpose\n");
    std::abort();
  }
  if (mode == "hang") hang();
  const pipeline::ModelSpec m = pipeline::load_model_file(model);
  pipeline::LowerOptions opts;
  opts.batched_matmul = mode == "batched";  // same numbers, another graph structure
  pipeline::Graph g = pipeline::lower_model(m, fs::path(model).parent_path().string(), opts);
  if (mode == "invalid") generators::break_graph(generators::InvalidRule::mismatched_payloads, g);
  io::write_file_atomic(out, pipeline::serialize_graph(g));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 6 && std::strcmp(argv[1], "exec") == 0)
      return exec_mode(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 5 && std::strcmp(argv[1], "lower") == 0)
      return lower_mode(argv[2], argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_sut: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: fake_sut exec MODE FILE.tosa INPUT.npy OUTDIR | lower MODE MODEL OUT\n");
  return 2;
}

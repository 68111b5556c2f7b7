// Fake systems under test for tests/test_external_sut.cpp: a runtime and a lowering, each with
// a mode that makes it right or wrong in one known way.
//   fake_sut exec  MODE FILE.tosa INPUT.npy OUTDIR   correct | half-away | wrong-shape | garbage
//                                                    | crash | hang | unsupported
//                                                    | ulp-one-in-three (the last output 1 ulp
//                                                      off in every third case, by input)
//                                                    | fp64-accumulate | reverse-blocks
//                                                      (compliant by construction: other orders
//                                                      TOSA allows) | perturb-F (the first
//                                                      block-scaled op's output 0 moved by F
//                                                      times its bound)
//   fake_sut lower MODE MODEL.json OUT.tosa          correct | batched | invalid | crash | hang
//                                                    | unsupported
//   fake_sut exec|lower MODE --worker                the same, serving requests one JSON line at
//                                                    a time (sut/common/adapter.py's protocol);
//                                                    mode crash-every-third crashes the worker on
//                                                    every third request and runs correctly
//                                                    otherwise; exit-every-third exits with
//                                                    status 0 there instead, without answering;
//                                                    signal-every-third answers there that the
//                                                    request's own process was killed by SIGABRT
//                                                    (an isolating worker) and serves on
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

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

int unsupported() {
  std::fprintf(stderr, "unsupported: fake_sut cannot handle this on purpose\n");
  return 3;
}

int exec_mode(const std::string& mode, const std::string& tosa, const std::string& input,
              const std::string& out_dir) {
  if (mode == "unsupported") return unsupported();
  if (mode == "crash") {
    std::fprintf(stderr, "fake_sut: crashing on purpose\n");
    std::abort();
  }
  if (mode == "hang") hang();
  // A seeded numeric bug: element rounding ties away from zero (needs fault injection).
  if (mode == "half-away") faults::inject(faults::Fault::round_half_away);
  // Compliant by construction (faults.h variants): other summation orders TOSA allows.
  if (mode == "fp64-accumulate") faults::select_variant(faults::Variant::fp64_accumulate);
  if (mode == "reverse-blocks") faults::select_variant(faults::Variant::reverse_block_order);
  // perturb-F: the first block-scaled op's output 0 moved by F times its bound.
  if (mode.rfind("perturb-", 0) == 0)
    faults::select_variant(faults::Variant::perturb_first_op, std::stod(mode.substr(8)));
  const pipeline::LoadResult r = pipeline::deserialize_graph(io::read_file(tosa));
  if (!r.ok()) {
    std::fprintf(stderr, "fake_sut: cannot load %s\n", tosa.c_str());
    return 2;
  }
  const pipeline::Graph& g = *r.graph;
  const auto issues =
      pipeline::validate_tosa(g, pipeline::Target::parse("TOSA-1.1+FP+mxfp+mxfp_conv+bf16"));
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
    if (mode == "ulp-one-in-three" && y.dtype == pipeline::DType::fp32 && !y.f32.empty()) {
      uint32_t h = 0;
      for (uint8_t b : io::read_file(input)) h = h * 31 + b;
      if (h % 3 == 0) {
        std::vector<float> off = y.f32.to_vector();
        uint32_t bits;
        std::memcpy(&bits, &off.back(), 4);
        bits ^= 1u;  // one ulp, in the last element only
        std::memcpy(&off.back(), &bits, 4);
        io::write_file_atomic(path, io::serialize_npy(io::make_npy(io::NpyDtype::f4, shape,
                                                                   off.data(), off.size() * 4)));
        continue;
      }
    }
    const bool bf16 = y.dtype == pipeline::DType::bf16;
    io::write_file_atomic(
        path, io::serialize_npy(
                  bf16 ? io::make_npy(io::NpyDtype::u2, shape, y.bf16.data(), y.bf16.size() * 2)
                       : io::make_npy(io::NpyDtype::f4, shape, y.f32.data(), y.f32.size() * 4)));
  }
  return 0;
}

int lower_mode(const std::string& mode, const std::string& model, const std::string& out) {
  if (mode == "unsupported") return unsupported();
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

// A JSON string's contents (the requests only carry paths without escapes but for '/').
std::vector<std::string> argv_of(const std::string& line) {
  std::vector<std::string> out;
  const size_t at = line.find("\"argv\":[");
  if (at == std::string::npos) return out;
  size_t i = at + 8;
  while (i < line.size() && line[i] != ']') {
    if (line[i] != '"') {
      ++i;
      continue;
    }
    std::string s;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      s += line[i];
    }
    out.push_back(s);
    ++i;
  }
  return out;
}

int serve(const std::string& what, std::string mode) {
  char buf[1 << 16];
  int served = 0;
  const bool crashy = mode == "crash-every-third", quits = mode == "exit-every-third";
  const bool isolates = mode == "signal-every-third";
  if (crashy || quits || isolates) mode = "correct";
  while (std::fgets(buf, sizeof buf, stdin)) {
    const std::string line = buf;
    const size_t id_at = line.find("\"id\":");
    const long id =
        id_at == std::string::npos ? 0 : std::strtol(line.c_str() + id_at + 5, nullptr, 10);
    if (crashy && ++served % 3 == 0) std::abort();
    if (quits && ++served % 3 == 0) std::exit(0);  // ends cleanly, without answering
    if (isolates && ++served % 3 == 0) {
      std::printf(
          "{\"id\": %ld, \"exit\": 4, \"signal\": 6, \"stderr\": \"fake_sut: the "
          "request's process aborted\\n\"}\n",
          id);
      std::fflush(stdout);
      continue;
    }
    const std::vector<std::string> a = argv_of(line);
    int code = 2;
    try {
      if (what == "exec" && a.size() == 3) code = exec_mode(mode, a[0], a[1], a[2]);
      if (what == "lower" && a.size() == 2) code = lower_mode(mode, a[0], a[1]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fake_sut: %s\n", e.what());
      code = 1;
    }
    std::printf("{\"id\": %ld, \"exit\": %d, \"stderr\": \"\"}\n", id, code);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 4 && std::strcmp(argv[3], "--worker") == 0) return serve(argv[1], argv[2]);
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

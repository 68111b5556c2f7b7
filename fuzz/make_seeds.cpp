// Writes the checked-in seed corpora (scripts/make-seed-corpora.sh): small, deterministic inputs
// for every fuzz target, made from the suite's own generators. Files are named by a hash of
// their bytes, as libFuzzer names corpus files, so reruns do not duplicate them.
//   mxconf_make_seeds CORPUS_DIR
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "mxconf/generators/adversarial_blocks.h"
#include "mxconf/generators/case_gen.h"
#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "mxconf/runner/block_cast_check.h"

namespace fs = std::filesystem;
using namespace mxconf;

namespace {

size_t write_seed(const fs::path& dir, const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ULL;
  char name[17];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
  fs::create_directories(dir);
  io::write_file_atomic((dir / name).string(), bytes);
  return 1;
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

std::vector<uint8_t> random_bytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = uint8_t(rng());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root(argv[1]);
  generators::GenConfig cfg;
  cfg.max_k_blocks = 2;  // small seeds: the fuzzers grow them
  cfg.invalid_fraction = 0.2;
  size_t tosa = 0, json = 0;
  for (uint64_t i = 0; i < 40; ++i) {
    const generators::Case c = generators::generate_case(cfg, 7, i);
    json += write_seed(root / "fuzz_case_json", bytes_of(generators::to_json(c).dump()));
    if (!c.expect.valid() || i % 2) continue;
    int64_t elements = 1;
    for (int64_t d : c.model.input.shape) elements *= d;
    if (elements > 4096) continue;
    tosa += write_seed(root / "fuzz_tosa_load",
                       pipeline::serialize_graph(pipeline::lower_model(c.model, "", c.lowering)));
  }
  // Conv2d graphs and cases too (a handful: the fuzzers mutate them into the rest).
  generators::GenConfig conv = cfg;
  conv.ops = {pipeline::LayerKind::conv2d};
  for (uint64_t i = 0; i < 12; ++i) {
    const generators::Case c = generators::generate_case(conv, 8, i);
    json += write_seed(root / "fuzz_case_json", bytes_of(generators::to_json(c).dump()));
    if (!c.expect.valid()) continue;
    int64_t elements = 1;
    for (int64_t d : c.model.input.shape) elements *= d;
    if (elements > 4096) continue;
    tosa += write_seed(root / "fuzz_tosa_load",
                       pipeline::serialize_graph(pipeline::lower_model(c.model, "", c.lowering)));
  }
  size_t cast = 0;
  generators::AdversarialBlockSource blocks(11);
  for (size_t t = 0; t < std::size(formats::kAllElementTypes); ++t) {
    for (size_t r = 0; r < std::size(formats::kAllScaleRules); ++r) {
      const auto& f = generators::oracle_format(formats::kAllElementTypes[t]);
      for (int k = 0; k < 2; ++k) {
        const generators::AdversarialBlock b = blocks.next(f);
        // Sized up front: GCC 12 misreads an insert after a 2-element init (-Warray-bounds).
        std::vector<uint8_t> seed(2 + sizeof b.bits);
        seed[0] = uint8_t(t);
        seed[1] = uint8_t(r << 1 | (b.bf16 ? 1 : 0));
        std::memcpy(seed.data() + 2, b.bits, sizeof b.bits);
        cast += write_seed(root / "fuzz_block_cast", seed);
      }
    }
  }
  // The FuzzedDataProvider targets: random bytes of assorted lengths are as good a start as any.
  std::mt19937_64 rng(2026);
  size_t fdp = 0;
  for (size_t n : {16, 64, 256, 700, 1500, 3000, 6000, 12000}) {
    fdp += write_seed(root / "fuzz_pipeline", random_bytes(rng, n));
    write_seed(root / "fuzz_roundtrip", random_bytes(rng, n / 4 + 8));
  }
  // .npy: every dtype at ranks 0-3, as the writer makes them, plus a version 2.0 header.
  size_t npy = 0;
  const io::NpyDtype dtypes[] = {io::NpyDtype::f4, io::NpyDtype::f8, io::NpyDtype::u1,
                                 io::NpyDtype::u2, io::NpyDtype::v2};
  for (io::NpyDtype d : dtypes) {
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{}, std::vector<int64_t>{3}, std::vector<int64_t>{2, 32},
          std::vector<int64_t>{1, 2, 4}, std::vector<int64_t>{0, 5}}) {
      size_t n = 1;
      for (int64_t x : shape) n *= size_t(x);
      const std::vector<uint8_t> payload = random_bytes(rng, n * io::itemsize(d));
      npy += write_seed(root / "fuzz_npy",
                        io::serialize_npy(io::make_npy(d, shape, payload.data(), payload.size())));
    }
  }
  {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
    std::vector<uint8_t> v2 = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0};
    for (int i = 0; i < 4; ++i) v2.push_back(uint8_t(dict.size() >> (8 * i)));
    for (char c : dict) v2.push_back(uint8_t(c));
    for (int i = 0; i < 8; ++i) v2.push_back(0);
    npy += write_seed(root / "fuzz_npy", v2);
  }
  std::printf(
      "seeds: fuzz_case_json %zu, fuzz_tosa_load %zu, fuzz_block_cast %zu, "
      "fuzz_pipeline %zu, fuzz_roundtrip %zu, fuzz_npy %zu\n",
      json, tosa, cast, fdp, fdp, npy);
  return 0;
}

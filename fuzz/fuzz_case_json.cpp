// Bytes -> JSON -> case parser (typed io::JsonError for anything wrong; any other exception
// escapes and is a finding) -> a full run of the case when it is small and self-contained.
#include <nlohmann/json.hpp>

#include "mxconf/io/json_reader.h"
#include "mxconf/runner/reference_sut.h"
#include "mxconf/runner/run_case.h"

namespace {

using namespace mxconf;

constexpr int64_t kMaxElements = 1 << 14;  // per tensor, for the run

bool small_and_self_contained(const generators::Case& c) {
  int64_t elements = 1;
  for (int64_t d : c.model.input.shape) {
    if (d <= 0 || d > kMaxElements) return false;
    elements *= d;
    if (elements > kMaxElements) return false;
  }
  for (const pipeline::LayerSpec& l : c.model.layers) {
    if (l.in_width() * l.out_width() > kMaxElements) return false;
    // A case naming .npy files would make the fuzzer read arbitrary paths.
    if (l.weights.kind == pipeline::ValueSource::Kind::npy ||
        (l.bias_values && l.bias_values->kind == pipeline::ValueSource::Kind::npy))
      return false;
  }
  return c.model.layers.size() <= 3;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  generators::Case c;
  try {
    c = generators::case_from_json(j);
  } catch (const io::JsonError&) {
    return 0;  // rejected with a JSON path: the expected outcome for bad input
  }
  static const std::unique_ptr<runner::SystemUnderTest> sut = runner::make_reference_sut();
  if (small_and_self_contained(c)) runner::run_case(c, *sut);
  return 0;
}

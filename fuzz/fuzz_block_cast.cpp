// 32 raw fp32 bit patterns, a payload type, a scale rule and an input type -> formats/ block cast
// against the oracle's exact block quantization, bit for bit. Any disagreement aborts.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mxconf/runner/block_cast_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxconf;
  if (size < 2 + 32 * 4) return 0;
  const auto type = formats::kAllElementTypes[data[0] % std::size(formats::kAllElementTypes)];
  const auto rule = formats::kAllScaleRules[(data[1] >> 1) % std::size(formats::kAllScaleRules)];
  const bool bf16 = data[1] & 1;
  uint32_t bits[32];
  std::memcpy(bits, data + 2, sizeof bits);
  if (bf16) {
    for (uint32_t& b : bits) b &= 0xFFFF0000u;  // bf16-exact values
  }
  const runner::BlockCastComparison c = runner::compare_block_cast(type, rule, bits, bf16);
  if (!c.agree()) {
    std::fprintf(stderr, "block cast disagrees (%s, %s, %s input):\n%s\n",
                 std::string(formats::name(type)).c_str(), std::string(formats::name(rule)).c_str(),
                 bf16 ? "bf16" : "fp32", c.describe(bits).c_str());
    std::abort();
  }
  return 0;
}

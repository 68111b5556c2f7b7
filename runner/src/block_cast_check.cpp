#include "mxconf/runner/block_cast_check.h"

#include <bit>
#include <sstream>
#include <stdexcept>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/oracles/block_quant.h"

namespace mxconf::runner {

BlockCastComparison compare_block_cast(formats::ElementType t, formats::ScaleRule r,
                                       const uint32_t* in_bits, bool bf16) {
  BlockCastComparison c;
  if (bf16) {
    uint16_t b[32];
    for (int i = 0; i < 32; ++i) b[i] = uint16_t(in_bits[i] >> 16);
    c.implementation.scale = formats::cast_block_bf16(t, r, b, c.implementation.codes.data());
  } else {
    float f[32];
    for (int i = 0; i < 32; ++i) f[i] = std::bit_cast<float>(in_bits[i]);
    c.implementation.scale = formats::cast_block(t, r, f, c.implementation.codes.data());
  }
  std::array<double, 32> v;
  for (int i = 0; i < 32; ++i) v[i] = std::bit_cast<float>(in_bits[i]);
  const auto q =
      oracles::quantize_block(generators::oracle_format(t), generators::oracle_policy(r), v);
  c.oracle = {q.scale, q.codes};
  return c;
}

std::string BlockCastComparison::describe(const uint32_t* in_bits) const {
  std::ostringstream os;
  os << "scale implementation=" << int(implementation.scale) << " oracle=" << int(oracle.scale)
     << "\n";
  for (int i = 0; i < 32; ++i) {
    if (implementation.codes[i] != oracle.codes[i]) {
      os << "  [" << i << "] in=0x" << std::hex << in_bits[i] << std::dec << " ("
         << std::bit_cast<float>(in_bits[i]) << ") implementation=0x" << std::hex
         << int(implementation.codes[i]) << " oracle=0x" << int(oracle.codes[i]) << std::dec
         << "\n";
    }
  }
  return os.str();
}

}  // namespace mxconf::runner

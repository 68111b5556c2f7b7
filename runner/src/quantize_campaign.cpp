#include "mxconf/runner/quantize_campaign.h"

#include <bit>
#include <cmath>
#include <fstream>
#include <random>
#include <span>

#include "mxconf/generators/oracle_bridge.h"
#include "mxconf/io/npy.h"
#include "mxconf/oracles/block_quant.h"
#include "mxconf/runner/quantize_file.h"

namespace mxconf::runner {
namespace {

// One block's values, by kind: what makes each edge of the E8M0 byte.
void fill_block(std::mt19937_64& rng, float* b) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int kind = int(rng() % 8);
  const int e = int(rng() % 41) - 20;
  for (int i = 0; i < 32; ++i) b[i] = std::ldexp(normal(rng), e);
  switch (kind) {
    case 0:  // all zero: scale 0x00
      for (int i = 0; i < 32; ++i) b[i] = (rng() & 1) ? -0.0f : 0.0f;
      break;
    case 1:  // amax among the fp32 subnormals: the scale clamps to 2^-127 (0x00)
      for (int i = 0; i < 32; ++i) b[i] = std::bit_cast<float>(uint32_t(rng() % 0x7FFFFF));
      break;
    case 2:  // a NaN: scale 0xFF
      b[rng() % 32] = std::numeric_limits<float>::quiet_NaN();
      break;
    case 3:  // an Inf: scale 0xFF
      b[rng() % 32] = (rng() & 1) ? INFINITY : -INFINITY;
      break;
    case 4:  // amax near fp32's largest: the scale clamps at 2^127 (0xFE)
      for (int i = 0; i < 32; ++i) b[i] = std::ldexp(normal(rng), 126);
      b[rng() % 32] = std::bit_cast<float>(uint32_t(0x7F7FFFFF - rng() % 1024));
      break;
    default:  // ordinary data
      break;
  }
}

bool same_bits(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

std::string read_outputs_error(const std::string& what, const io::NpyArray& a, io::NpyDtype dtype,
                               const std::vector<int64_t>& shape) {
  if (a.dtype != dtype) return what + ": dtype " + io::descr(a.dtype);
  if (a.shape != shape) return what + ": shape differs";
  return "";
}

}  // namespace

std::string QuantizeCase::name() const {
  std::string s = "quantize_" + std::string(formats::name(dtype)) + "_" +
                  std::string(formats::name(rule)) + "_";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s + "_v" + std::to_string(header_version) + "_off" + std::to_string(data_offset_mod4) +
         "_" + std::to_string(seed) + "_" + std::to_string(index);
}

QuantizeCase quantize_case_at(uint64_t seed, uint64_t index) {
  QuantizeCase c;
  c.seed = seed;
  c.index = index;
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull ^ (index + 1) * 0xD1B54A32D192ED03ull);
  // Every payload and rule in turn, so a handful of cases covers all 20 pairs.
  c.dtype = formats::kAllElementTypes[index % std::size(formats::kAllElementTypes)];
  c.rule = formats::kAllScaleRules[(index / std::size(formats::kAllElementTypes)) %
                                   std::size(formats::kAllScaleRules)];
  // Sizes: one case in four spans several chunks with a partial last one.
  const int64_t last = 32 * (1 + 2 * int64_t(rng() % 4));  // 32, 96, 160, 224
  int64_t elements = 0;
  if (index % 4 == 3) {
    elements = int64_t(kQuantizeChunk) * int64_t(1 + rng() % 2) + 32 * int64_t(1 + rng() % 700);
  } else {
    elements = 32 * int64_t(1 + rng() % 64);
  }
  const int64_t rows = (elements + last - 1) / last;
  c.shape = rng() % 2 ? std::vector<int64_t>{rows, last} : std::vector<int64_t>{1, rows, last};
  if (rows == 1 && rng() % 2) c.shape = {last};
  c.header_version = rng() % 3 == 0 ? 2 : 1;
  c.data_offset_mod4 = size_t(rng() % 4);
  size_t n = 1;
  for (int64_t d : c.shape) n *= size_t(d);
  c.values.resize(n);
  for (size_t b = 0; b < n; b += 32) fill_block(rng, c.values.data() + b);
  return c;
}

std::vector<uint8_t> quantize_input_bytes(const QuantizeCase& c) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int64_t d : c.shape) dict += std::to_string(d) + ", ";
  dict += "), }";
  const size_t prefix = c.header_version == 1 ? 10 : 12;
  // Padded with spaces to a newline so that the data starts data_offset_mod4 past a multiple of
  // 4 (NumPy itself pads to 64; 0 here is NumPy's layout when the spaces make 64).
  size_t total = prefix + dict.size() + 1;
  while (total % 4 != c.data_offset_mod4 || (c.data_offset_mod4 == 0 && total % 64 != 0)) ++total;
  const std::string header = dict + std::string(total - prefix - dict.size() - 1, ' ') + "\n";
  std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(c.header_version), 0};
  const size_t len = header.size();
  bytes.push_back(uint8_t(len));
  bytes.push_back(uint8_t(len >> 8));
  if (c.header_version == 2) {
    bytes.push_back(uint8_t(len >> 16));
    bytes.push_back(uint8_t(len >> 24));
  }
  bytes.insert(bytes.end(), header.begin(), header.end());
  const auto* data = reinterpret_cast<const uint8_t*>(c.values.data());
  bytes.insert(bytes.end(), data, data + c.values.size() * 4);
  return bytes;
}

std::string check_quantize_case(const QuantizeCase& c, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path in = dir / "in.npy", dq = dir / "dequant.npy",
                              codes = dir / "codes.npy", scales = dir / "scales.npy";
  {
    const std::vector<uint8_t> bytes = quantize_input_bytes(c);
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!f) return "cannot write " + in.string();
  }
  io::NpyArray got_dq, got_codes, got_scales;
  try {
    quantize_file({c.dtype, c.rule, in.string(), dq.string(), codes.string(), scales.string()});
    got_dq = io::read_npy(dq.string());
    got_codes = io::read_npy(codes.string());
    got_scales = io::read_npy(scales.string());
  } catch (const std::exception& e) {
    return std::string("quantize failed: ") + e.what();
  }
  std::vector<int64_t> scale_shape = c.shape;
  scale_shape.back() /= 32;
  for (const std::string& e :
       {read_outputs_error("dequant", got_dq, io::NpyDtype::f4, c.shape),
        read_outputs_error("codes", got_codes, io::NpyDtype::u1, c.shape),
        read_outputs_error("scales", got_scales, io::NpyDtype::u1, scale_shape)}) {
    if (!e.empty()) return e;
  }
  const oracles::FormatSpec& f = generators::oracle_format(c.dtype);
  const oracles::ScalePolicy p = generators::oracle_policy(c.rule);
  const std::span<const float> dq_values(reinterpret_cast<const float*>(got_dq.data.data()),
                                         c.values.size());
  for (size_t b = 0; b < c.values.size() / 32; ++b) {
    std::array<double, 32> block;
    for (size_t i = 0; i < 32; ++i) block[i] = double(c.values[b * 32 + i]);
    const oracles::BlockQuantization want = oracles::quantize_block(f, p, block);
    const std::string where = "block " + std::to_string(b);
    if (got_scales.data[b] != want.scale)
      return where + ": scale " + std::to_string(got_scales.data[b]) + ", the oracle's " +
             std::to_string(want.scale);
    const double scale = oracles::e8m0_value(want.scale);
    for (size_t i = 0; i < 32; ++i) {
      const size_t at = b * 32 + i;
      if (got_codes.data[at] != want.codes[i])
        return where + " element " + std::to_string(i) + ": code " +
               std::to_string(got_codes.data[at]) + ", the oracle's " +
               std::to_string(want.codes[i]);
      const float want_dq = float(f.value(want.codes[i]) * scale);
      if (!same_bits(dq_values[at], want_dq))
        return where + " element " + std::to_string(i) + ": dequantized " +
               std::to_string(dq_values[at]) + ", the oracle's " + std::to_string(want_dq);
    }
  }
  return "";
}

}  // namespace mxconf::runner

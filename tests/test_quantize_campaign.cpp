// The quantize campaign (runner/quantize_campaign.h): `mxconf quantize`'s code against the
// oracle on files that reach every path, and what those files are made of.
#include <gtest/gtest.h>

#include <set>

#include "mxconf/io/npy.h"
#include "mxconf/runner/quantize_campaign.h"
#include "mxconf/runner/quantize_file.h"
#include "support/small_run.h"

namespace mxconf::test {
namespace {

constexpr uint64_t kCases = 40;

TEST(QuantizeCampaign, EveryCaseAgreesWithTheOracle) {
  const auto dir = scratch_dir("quantize_campaign_pass");
  for (uint64_t i = 0; i < kCases; ++i) {
    const runner::QuantizeCase c = runner::quantize_case_at(1, i);
    EXPECT_EQ(runner::check_quantize_case(c, dir / std::to_string(i)), "") << c.name();
  }
}

// The cases reach what the campaign promises: every scale byte edge, every payload and rule,
// files beyond one chunk with a partial last chunk, both header versions and every misalignment
// of the data (read through the reader's own parser, not the campaign's description).
TEST(QuantizeCampaign, CasesReachEveryEdge) {
  std::set<std::string> reached;
  std::set<std::pair<int, int>> pairs;
  for (uint64_t i = 0; i < kCases; ++i) {
    const runner::QuantizeCase c = runner::quantize_case_at(1, i);
    pairs.insert({int(c.dtype), int(c.rule)});
    const std::vector<uint8_t> bytes = runner::quantize_input_bytes(c);
    const io::NpyView v = io::parse_npy_view(bytes, c.name());
    EXPECT_EQ(v.shape, c.shape);
    EXPECT_EQ(v.data.size(), c.values.size() * 4);
    const size_t offset = size_t(v.data.data() - bytes.data());
    reached.insert("offset mod 4 = " + std::to_string(offset % 4));
    reached.insert("version " + std::to_string(bytes[6]));
    if (c.values.size() > runner::kQuantizeChunk && c.values.size() % runner::kQuantizeChunk != 0)
      reached.insert("several chunks, the last partial");
    for (size_t b = 0; b < c.values.size(); b += 32) {
      float amax = 0;
      bool special = false;
      for (size_t k = b; k < b + 32; ++k) {
        special |= !std::isfinite(c.values[k]);
        amax = std::max(amax, std::fabs(c.values[k]));
      }
      if (special) reached.insert("NaN or Inf block");
      if (!special && amax == 0) reached.insert("zero block");
      if (!special && amax > 0 && amax < 1e-38f) reached.insert("subnormal block");
      if (!special && amax > 1e38f) reached.insert("block near fp32 max");
    }
  }
  EXPECT_EQ(pairs.size(), 24u);  // 6 payloads (mxint8 included) x 4 scale rules
  EXPECT_EQ(reached,
            (std::set<std::string>{"offset mod 4 = 0", "offset mod 4 = 1", "offset mod 4 = 2",
                                   "offset mod 4 = 3", "version 1", "version 2",
                                   "several chunks, the last partial", "NaN or Inf block",
                                   "zero block", "subnormal block", "block near fp32 max"}));
}

// A case is a function of (seed, index).
TEST(QuantizeCampaign, CasesAreDeterministic) {
  for (uint64_t i : {0u, 3u, 17u}) {
    EXPECT_EQ(runner::quantize_input_bytes(runner::quantize_case_at(9, i)),
              runner::quantize_input_bytes(runner::quantize_case_at(9, i)));
  }
  EXPECT_NE(runner::quantize_input_bytes(runner::quantize_case_at(9, 0)),
            runner::quantize_input_bytes(runner::quantize_case_at(10, 0)));
}

}  // namespace
}  // namespace mxconf::test

#include "mxconf/oracles/linear_ref.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "mxconf/oracles/exact_dot.h"
#include "mxconf/oracles/pseudocode_ref.h"

namespace mxconf::oracles {

float round_to_bf16(float x) {
  if (!std::isfinite(x) || x == 0) return x;
  int e;
  std::frexp(double(x), &e);                  // |x| in [2^(e-1), 2^e)
  const int quantum = std::max(e - 8, -133);  // 8 significant bits; bf16 subnormal quantum 2^-133
  const double r = std::ldexp(std::nearbyint(std::ldexp(double(x), -quantum)), quantum);
  return std::fabs(r) >= 0x1p128 ? std::copysign(INFINITY, x) : float(r);
}

void quantize_rows(const FormatSpec& f, ScalePolicy p, std::span<const float> values,
                   std::vector<uint8_t>& codes, std::vector<uint8_t>& scales) {
  if (values.size() % kMxBlock != 0) throw std::invalid_argument("quantize_rows: not whole blocks");
  codes.resize(values.size());
  scales.resize(values.size() / kMxBlock);
  std::array<double, kMxBlock> block;
  for (size_t b = 0; b < scales.size(); ++b) {
    for (int i = 0; i < kMxBlock; ++i) block[size_t(i)] = values[b * kMxBlock + size_t(i)];
    const BlockQuantization q = quantize_block(f, p, block);
    scales[b] = q.scale;
    for (int i = 0; i < kMxBlock; ++i) codes[b * kMxBlock + size_t(i)] = q.codes[size_t(i)];
  }
}

void add_bias(ExactSum& s, ExactSum& a, float b) {
  // An fp32 value is exactly m * 2^(e-24) with a 24-bit m.
  auto add = [](ExactSum& sum, float v) {
    int e;
    const double frac = std::frexp(double(v), &e);
    sum.add(int64_t(std::ldexp(frac, 24)), e - 24);
  };
  // A non-finite bias is no number the exact sums can hold; the outputs it reaches are judged by
  // their NaN / overflow rules.
  if (!std::isfinite(b)) return;
  if (b != 0) add(s, b);
  // The bound's bias_abs = apply_max_s(abs(bias), normal_min<out_t>) (line 18).
  add(a, std::max(std::fabs(b), 0x1p-126f));
}

MxLinearReference mx_linear_reference(const FormatSpec& f, ScalePolicy activation_rule,
                                      ScalePolicy weight_rule, int64_t m, int64_t k, int64_t n,
                                      std::span<const float> x, std::span<const float> w,
                                      std::span<const float> bias, bool bit_exact_only) {
  if (x.size() != size_t(m * k) || w.size() != size_t(n * k) ||
      (!bias.empty() && bias.size() != size_t(n))) {
    throw std::invalid_argument("mx_linear_reference: sizes disagree with M, K, N");
  }
  MxLinearReference r;
  quantize_rows(f, activation_rule, x, r.x_codes, r.x_scales);
  quantize_rows(f, weight_rule, w, r.w_codes, r.w_scales);
  r.pseudocode =
      pseudocode_matmul_t(f, {1, m, n, k, 1}, r.x_codes, r.x_scales, r.w_codes, r.w_scales);
  if (bit_exact_only) {
    for (int64_t i = 0; i < m && !bias.empty(); ++i) {
      for (int64_t j = 0; j < n; ++j) r.pseudocode[size_t(i * n + j)] += bias[size_t(j)];
    }
    return r;
  }
  const size_t cb = size_t(k / kMxBlock);
  std::vector<DecodedMxVector> rows, cols, abs_rows, abs_cols;
  for (int64_t i = 0; i < m; ++i) {
    rows.push_back(decode_mx_vector(f, std::span(r.x_codes).subspan(size_t(i * k), size_t(k)),
                                    std::span(r.x_scales).subspan(size_t(i) * cb, cb)));
    abs_rows.push_back(rows.back().bound_operand());
  }
  for (int64_t j = 0; j < n; ++j) {
    cols.push_back(decode_mx_vector(f, std::span(r.w_codes).subspan(size_t(j * k), size_t(k)),
                                    std::span(r.w_scales).subspan(size_t(j) * cb, cb)));
    abs_cols.push_back(cols.back().bound_operand());
  }
  r.exact.resize(size_t(m * n));
  r.bound.resize(size_t(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const size_t o = size_t(i * n + j);
      ExactSum s = exact_dot(rows[size_t(i)], cols[size_t(j)]);
      ExactSum a = exact_dot(abs_rows[size_t(i)], abs_cols[size_t(j)]);
      // MATMUL_T_BLOCK_SCALED has no bias: it is taken to be zero (introduction.adoc line 605
      // at cd5acdd), whose bias_abs is normal_min<fp32>. The layer's bias is an fp32 ADD after
      // the op: in the bit-exact target, not in the op's exact value or bound.
      add_bias(s, a, 0.0f);
      if (!bias.empty()) r.pseudocode[o] = r.pseudocode[o] + bias[size_t(j)];
      r.exact[o] = s.to_double();
      r.bound[o] = a.to_double();
    }
  }
  return r;
}

}  // namespace mxconf::oracles

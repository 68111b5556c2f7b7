#include "mxconf/oracles/linear_ref.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "mxconf/oracles/dot_reference.h"
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

DotReference matmul_t_dot(const FormatSpec& f, const MatmulTShape& s,
                          std::span<const uint8_t> a_codes, std::span<const uint8_t> a_scales,
                          std::span<const uint8_t> b_codes, std::span<const uint8_t> b_scales) {
  const size_t c = size_t(s.c), cb = c / kMxBlock;
  if (a_codes.size() != size_t(s.n * s.h) * c || b_codes.size() != size_t(s.d * s.w) * c ||
      a_scales.size() * kMxBlock != a_codes.size() || b_scales.size() * kMxBlock != b_codes.size())
    throw std::invalid_argument("matmul_t_dot: operand sizes disagree with the shape");
  std::vector<DecodedMxVector> rows, cols, abs_rows, abs_cols;
  for (int64_t i = 0; i < s.n * s.h; ++i) {
    rows.push_back(decode_mx_vector(f, a_codes.subspan(size_t(i) * c, c),
                                    a_scales.subspan(size_t(i) * cb, cb)));
    abs_rows.push_back(rows.back().bound_operand());
  }
  for (int64_t j = 0; j < s.d * s.w; ++j) {
    cols.push_back(decode_mx_vector(f, b_codes.subspan(size_t(j) * c, c),
                                    b_scales.subspan(size_t(j) * cb, cb)));
    abs_cols.push_back(cols.back().bound_operand());
  }
  DotReference d;
  d.exact.resize(size_t(s.n * s.h * s.w));
  d.bound.resize(d.exact.size());
  for (int64_t b = 0; b < s.n; ++b) {
    const int64_t db = s.d == 1 ? 0 : b;
    for (int64_t i = 0; i < s.h; ++i) {
      for (int64_t j = 0; j < s.w; ++j) {
        const size_t o = size_t((b * s.h + i) * s.w + j);
        const size_t row = size_t(b * s.h + i), col = size_t(db * s.w + j);
        ExactSum x = exact_dot(rows[row], cols[col]);
        ExactSum a = exact_dot(abs_rows[row], abs_cols[col]);
        // No bias: a zero one (introduction.adoc line 605 at cd5acdd), bias_abs normal_min.
        add_bias(x, a, 0.0f);
        d.exact[o] = x.to_double();
        d.bound[o] = a.to_double();
      }
    }
  }
  return d;
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
  // The layer's bias is an fp32 ADD after the op: in the bit-exact target, not in the op's own
  // exact value and bound.
  for (int64_t i = 0; i < m && !bias.empty(); ++i) {
    for (int64_t j = 0; j < n; ++j) r.pseudocode[size_t(i * n + j)] += bias[size_t(j)];
  }
  if (bit_exact_only) return r;
  DotReference d = matmul_t_dot(f, {1, m, n, k, 1}, r.x_codes, r.x_scales, r.w_codes, r.w_scales);
  r.exact = std::move(d.exact);
  r.bound = std::move(d.bound);
  return r;
}

}  // namespace mxconf::oracles

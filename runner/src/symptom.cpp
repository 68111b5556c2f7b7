#include "mxconf/runner/symptom.h"

#include <cctype>
#include <sstream>

namespace mxconf::runner {
namespace {

std::string ulp_bucket(uint64_t ulp) {
  if (ulp <= 1) return "<= 1 ulp";
  if (ulp <= 4) return "2-4 ulp";
  if (ulp <= 256) return "5-256 ulp";
  return "> 256 ulp";
}

std::string spread(size_t bad, size_t total) {
  if (total == 0 || bad * 100 <= total || bad == 1) return "isolated elements";
  if (bad * 2 < total) return "some elements";
  if (bad < total) return "most elements";
  return "every element";
}

std::string tier_a(const BitExactResult& a) {
  if (!a.shape_error.empty()) return "tier a: output shape differs";
  if (a.constant_block_mismatches > 0)
    return std::string("tier a: weight constant ") +
           (a.constant_scale_mismatch ? "scale" : "codes") + " differ";
  if (a.cast_block_mismatches > 0 || !a.casts_complete)
    return std::string("tier a: activation cast ") + (a.cast_scale_mismatch ? "scale" : "codes") +
           " differ";
  if (a.nan_mismatch) return "tier a: output NaN where a number is expected (or the reverse)";
  return "tier a: output off by " + ulp_bucket(a.max_ulp) + " in " +
         spread(a.output_mismatches, a.outputs);
}

std::string tier_b(const ComplianceResult& b) {
  if (b.cast_failures > 0) return "tier b: activation cast outside the cast check";
  if (b.nonfinite_failures > 0)
    return "tier b: DOT_PRODUCT result not finite where the reference is";
  if (b.element_failures > 0) return "tier b: DOT_PRODUCT element beyond ABS_BOUND";
  return "tier b: DOT_PRODUCT " + generalize(b.dot_product_reason);
}

}  // namespace

std::string generalize(const std::string& message) {
  std::istringstream words(message);
  std::string out, w;
  while (words >> w) {
    if (w.find('/') != std::string::npos) {
      w = "<path>";
    } else {
      std::string g;
      for (size_t i = 0; i < w.size(); ++i) {
        const bool digit = std::isdigit(static_cast<unsigned char>(w[i]));
        if (!digit) {
          g += w[i];
        } else if (g.empty() || g.back() != '#') {
          g += '#';
        }
      }
      w = g;
    }
    if (!out.empty()) out += ' ';
    out += w;
    if (out.size() >= 120) break;
  }
  return out.substr(0, 120);
}

std::string symptom(const CaseResult& r) {
  switch (r.verdict) {
    case Verdict::pass:
    case Verdict::rejected_as_expected:
      return {};
    case Verdict::unsupported:
      return "unsupported: " + generalize(r.message);
    case Verdict::rejection_missed:
      return "rejection missed: " +
             (r.facets && r.facets->rule ? std::string(generators::name(*r.facets->rule)) : "?");
    case Verdict::error:
      return "error at " + std::string(r.error_stage ? name(*r.error_stage) : "?") + ": " +
             generalize(r.message);
    case Verdict::fail:
      break;
  }
  // "...; passes with cast rule pre44": the diagnosis is part of what tells two bugs apart.
  std::string with;
  for (const formats::ScaleRule rule : r.explained_by)
    with += (with.empty() ? "; passes with cast rule " : ", ") + std::string(formats::name(rule));
  for (const TierResult& t : r.tiers) {
    if (!r.failed_tier || t.tier != *r.failed_tier) continue;
    if (const auto* a = std::get_if<BitExactResult>(&t.detail)) return tier_a(*a) + with;
    if (const auto* b = std::get_if<ComplianceResult>(&t.detail)) return tier_b(*b) + with;
    return "tier " + std::string(name(t.tier)) + ": " + generalize(t.reason()) + with;
  }
  return "fail: " + generalize(r.message);
}

}  // namespace mxconf::runner

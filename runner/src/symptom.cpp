#include "mxconf/runner/symptom.h"

#include <cctype>
#include <sstream>

namespace mxconf::runner {

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
    if (r.failed_tier && t.tier == *r.failed_tier) return t.symptom() + with;
  }
  return "fail: " + generalize(r.message);
}

}  // namespace mxconf::runner

// Tier (s), the graph: whatever graph the system's lowering produced, as loaded from its .tosa,
// must keep TOSA's rules for the case's target (every ERROR_IF, level and extension rule mxconf
// validates). Its structure is compared with mxconf's own lowering of the model and recorded,
// never judged: another lowering may build another graph. A system that exposes no graph (results
// made elsewhere) leaves nothing to judge here.
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/tosa_validate.h"
#include "mxconf/runner/symptom.h"
#include "tier_functions.h"

namespace mxconf::runner {
namespace {

constexpr size_t kMaxStructureDifferences = 20;

}  // namespace

std::vector<std::string> compare_structure(const pipeline::Graph& reference,
                                           const pipeline::Graph& other) {
  auto compute_ops = [](const pipeline::Graph& g) {
    std::vector<const pipeline::Operator*> v;
    for (const auto& op : g.ops) {
      if (op.op != pipeline::OpKind::const_tensor && op.op != pipeline::OpKind::const_shape)
        v.push_back(&op);
    }
    return v;
  };
  const auto a = compute_ops(reference), b = compute_ops(other);
  std::vector<std::string> diffs;
  if (a.size() != b.size()) {
    diffs.push_back("op count: " + std::to_string(a.size()) + " in the reference, " +
                    std::to_string(b.size()) + " here");
  }
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (diffs.size() >= kMaxStructureDifferences) break;
    const std::string at = "op " + std::to_string(i) + " ";
    if (a[i]->op != b[i]->op) {
      diffs.push_back(at + std::string(pipeline::name(a[i]->op)) + " in the reference, " +
                      std::string(pipeline::name(b[i]->op)) + " here");
      continue;
    }
    for (size_t o = 0; o < std::min(a[i]->outputs.size(), b[i]->outputs.size()); ++o) {
      const std::string ra = pipeline::tensor_text(reference.find(a[i]->outputs[o]));
      const std::string rb = pipeline::tensor_text(other.find(b[i]->outputs[o]));
      if (ra != rb) {
        diffs.push_back(at + "(" + std::string(pipeline::name(a[i]->op)) + ") output " +
                        std::to_string(o) + ": " + ra + " in the reference, " + rb + " here");
      }
    }
  }
  return diffs;
}

std::string GraphResult::reason() const {
  if (issues.empty()) return {};
  return "its graph breaks a TOSA rule: " + issues[0].code + ": " + issues[0].message;
}

std::string GraphResult::symptom() const {
  if (issues.empty()) return {};
  return "tier s: graph breaks " + issues[0].code;
}

nlohmann::json graph_record(const GraphResult& s) {
  nlohmann::json j = {{"pass", s.pass(Level::compliant)}};
  if (!s.observed) {
    j["graph"] = "not observable";
    return j;
  }
  nlohmann::json issues = nlohmann::json::array();
  for (const auto& i : s.issues) issues.push_back({{"code", i.code}, {"message", i.message}});
  j["validation"] = issues;
  if (s.structure_compared)
    j["structure"] = {{"same", s.structure_differences.empty()},
                      {"differences", s.structure_differences}};
  if (!s.issues.empty()) j["reason"] = s.reason();
  return j;
}

GraphResult judge_graph(const Observation& seen, const Expected& want) {
  GraphResult s;
  if (!seen.graph) {
    s.observed = false;
    return s;
  }
  for (const auto& i : pipeline::validate_tosa(*seen.graph, want.c.target.profile))
    s.issues.push_back({std::string(pipeline::name(i.code)), i.message});
  try {
    const pipeline::Graph reference = pipeline::lower_model(want.data.model, "", want.c.lowering);
    s.structure_differences = compare_structure(reference, *seen.graph);
    s.structure_compared = true;
  } catch (const std::exception&) {
    // mxconf cannot lower the model itself: nothing to compare the structure with.
  }
  return s;
}

}  // namespace mxconf::runner

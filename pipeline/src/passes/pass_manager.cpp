#include "mxconf/pipeline/passes/pass.h"

namespace mxconf::pipeline {
namespace {

void verify_or_throw(const Graph& g, const std::string& when) {
  std::vector<IrError> errors = verify_graph(g);
  if (errors.empty()) return;
  std::string what = when + ": the IR verifier found " + std::to_string(errors.size()) +
                     " problem(s); first: " + std::string(name(errors[0].code)) + ": " +
                     errors[0].message;
  throw PassError(when, std::move(errors), what);
}

}  // namespace

PassManager& PassManager::add(std::unique_ptr<Pass> p) {
  passes_.push_back(std::move(p));
  return *this;
}

void PassManager::run(Graph& g) const {
  verify_or_throw(g, "before the first pass");
  for (const auto& p : passes_) {
    p->run(g);
    verify_or_throw(g, "after " + std::string(p->name()));
  }
}

}  // namespace mxconf::pipeline

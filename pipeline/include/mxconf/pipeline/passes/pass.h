// Passes rewrite the graph one concern at a time; the pass manager runs the IR verifier after each.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/verifier.h"

namespace mxconf::pipeline {

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string_view name() const = 0;
  virtual void run(Graph& g) const = 0;
};

// A pass left the graph malformed (a pipeline bug), or refused its input.
class PassError : public std::runtime_error {
 public:
  PassError(std::string pass, std::vector<IrError> errors, const std::string& what)
      : std::runtime_error(what), pass_(std::move(pass)), errors_(std::move(errors)) {}
  const std::string& pass() const { return pass_; }
  const std::vector<IrError>& errors() const { return errors_; }

 private:
  std::string pass_;
  std::vector<IrError> errors_;
};

class PassManager {
 public:
  PassManager& add(std::unique_ptr<Pass> p);
  // Runs every pass in order, verifying the IR before the first and after each.
  void run(Graph& g) const;

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
};

}  // namespace mxconf::pipeline

// Where a run's cases come from: generated from a seed (run), or read from a conformance package
// (check). Offers CaseSource and its two implementations.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mxconf/generators/case_gen.h"
#include "mxconf/vocabulary/verdicts.h"

namespace mxconf::runner {

// A case that cannot be had: the run records an error at `stage` for it.
struct CaseUnavailable : std::runtime_error {
  CaseUnavailable(Stage s, std::string fp, const std::string& what)
      : std::runtime_error(what), stage(s), fingerprint(std::move(fp)) {}
  Stage stage;
  std::string fingerprint;
};

class CaseSource {
 public:
  virtual ~CaseSource() = default;
  virtual uint64_t size() const = 0;
  // Throws CaseUnavailable.
  virtual generators::Case at(uint64_t index) const = 0;
  // The name a result carries (generated cases: generators::case_name).
  virtual std::string label(uint64_t index, const generators::Case& c) const = 0;
  // The generator, when cases come from one: failures shrink through it.
  virtual const generators::GenConfig* generator() const { return nullptr; }
  virtual uint64_t seed() const = 0;
  // Whether a failure is saved (shrunk) under failures/ with a replay line: generated cases and
  // a user's case files; not a package's tests, which are their own record.
  virtual bool saves_failures() const { return generator() != nullptr; }
};

class GeneratedCases final : public CaseSource {
 public:
  GeneratedCases(generators::GenConfig gen, uint64_t seed, uint64_t cases)
      : gen_(std::move(gen)), seed_(seed), cases_(cases) {}
  uint64_t size() const override { return cases_; }
  generators::Case at(uint64_t index) const override;
  std::string label(uint64_t index, const generators::Case& c) const override;
  const generators::GenConfig* generator() const override { return &gen_; }
  uint64_t seed() const override { return seed_; }

 private:
  generators::GenConfig gen_;
  uint64_t seed_, cases_;
};

// Cases already made, each with its name, or why it cannot be read.
struct ListedCase {
  std::string name, fingerprint;
  std::optional<generators::Case> c;
  std::string problem;  // when c is absent
};
class ListedCases final : public CaseSource {
 public:
  ListedCases(std::vector<ListedCase> cases, uint64_t seed, Stage problem_stage,
              bool saves_failures = false)
      : cases_(std::move(cases)),
        seed_(seed),
        problem_stage_(problem_stage),
        saves_failures_(saves_failures) {}
  bool saves_failures() const override { return saves_failures_; }
  uint64_t size() const override { return cases_.size(); }
  generators::Case at(uint64_t index) const override;
  std::string label(uint64_t index, const generators::Case& c) const override;
  uint64_t seed() const override { return seed_; }

 private:
  std::vector<ListedCase> cases_;
  uint64_t seed_;
  Stage problem_stage_;
  bool saves_failures_;
};

}  // namespace mxconf::runner

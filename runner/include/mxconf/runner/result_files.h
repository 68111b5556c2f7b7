// Result files produced elsewhere as a system under test: what `mxconf check` grades. The
// "execution" is reading the file the system wrote for the case (stage `result`); an ERROR_IF
// case is rejected when no result file exists. Offers ResultFilesSut.
#pragma once

#include <map>
#include <string>

#include "mxconf/runner/system_under_test.h"

namespace mxconf::runner {

class ResultFilesSut final : public SystemUnderTest {
 public:
  // By case fingerprint: the path of the file the system wrote for that case.
  explicit ResultFilesSut(std::map<std::string, std::string> result_paths)
      : paths_(std::move(result_paths)) {}
  Observation run(const generators::Case& c, const PreparedCase& p) const override;
  RejectionObservation run_invalid(const generators::Case& c) const override;

 private:
  const std::string& path_for(const generators::Case& c) const;
  std::map<std::string, std::string> paths_;
};

}  // namespace mxconf::runner

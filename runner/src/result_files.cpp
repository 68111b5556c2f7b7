#include "mxconf/runner/result_files.h"

#include <filesystem>
#include <stdexcept>

#include "mxconf/runner/tensor_files.h"

namespace mxconf::runner {

const std::string& ResultFilesSut::path_for(const generators::Case& c) const {
  const auto it = paths_.find(generators::fingerprint(c));
  if (it == paths_.end())
    throw std::logic_error("no result file is known for case " + generators::fingerprint(c));
  return it->second;
}

Observation ResultFilesSut::run(const generators::Case& c, const PreparedCase& p) const {
  Observation obs;
  try {
    read_result_npy(path_for(c), p.model, obs);
  } catch (const std::exception& e) {
    obs.fail(stage::sut_result, e.what());
  }
  return obs;
}

RejectionObservation ResultFilesSut::run_invalid(const generators::Case& c) const {
  RejectionObservation r;
  const std::string& path = path_for(c);  // a case not in the package is a programming error
  const bool present = std::filesystem::exists(path);
  r.rejected = !present;
  r.record["result_file"] = present;
  if (present) r.message = "the system wrote " + path;
  return r;
}

}  // namespace mxconf::runner

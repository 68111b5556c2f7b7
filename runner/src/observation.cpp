#include "mxconf/runner/observation.h"

#include <string>
#include <system_error>

namespace mxconf::runner {

bool WorkArea::keep(std::string& why) {
  if (keep_) return true;
  if (!budget_ || budget_->kept.fetch_add(1) < budget_->limit) {
    keep_ = true;
    return true;
  }
  why = std::to_string(budget_->limit) +
        " failing cases' work directories are kept already (--sut-keep-failures)";
  return false;
}

WorkArea::~WorkArea() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // best effort: a leftover directory is harmless
}

}  // namespace mxconf::runner

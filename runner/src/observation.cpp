#include "mxconf/runner/observation.h"

#include <system_error>

namespace mxconf::runner {

WorkArea::~WorkArea() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // best effort: a leftover directory is harmless
}

}  // namespace mxconf::runner

#include "mxconf/runner/case_data.h"

namespace mxconf::runner {

PreparedCase prepare_case(const generators::Case& c) {
  PreparedCase p;
  p.model = generators::campaign_model(c.model, c.data);
  p.input = generators::campaign_input(p.model, c.data);
  return p;
}

}  // namespace mxconf::runner

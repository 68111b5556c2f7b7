#include "mxconf/generators/oracle_bridge.h"

#include <stdexcept>
#include <string>

namespace mxconf::generators {

const oracles::FormatSpec& oracle_format(formats::ElementType t) {
  const oracles::FormatSpec* f = oracles::format_by_name(formats::name(t));
  if (f == nullptr)
    throw std::logic_error("no oracle format named " + std::string(formats::name(t)));
  return *f;
}

oracles::ScalePolicy oracle_policy(formats::ScaleRule r) {
  const auto p = oracles::parse_policy(formats::name(r));
  if (!p) throw std::logic_error("no oracle scale policy named " + std::string(formats::name(r)));
  return *p;
}

}  // namespace mxconf::generators

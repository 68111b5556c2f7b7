#include "enum_options.h"

#include <map>

namespace mxconf::cli {
namespace {

template <typename E, size_t N>
std::map<std::string, E> names_of(const E (&all)[N]) {
  std::map<std::string, E> m;
  for (E v : all) m.emplace(std::string(formats::name(v)), v);
  return m;
}

template <typename E, size_t N>
CLI::Option* add_enum_option(CLI::App* cmd, const std::string& flag, E& out, const E (&all)[N],
                             const std::string& help) {
  return cmd->add_option(flag, out, help)
      ->transform(CLI::CheckedTransformer(names_of(all)))
      ->default_str(std::string(formats::name(out)));
}

}  // namespace

CLI::Option* add_scale_rule_option(CLI::App* cmd, const std::string& flag, formats::ScaleRule& out,
                                   const std::string& help) {
  return add_enum_option(cmd, flag, out, formats::kAllScaleRules, help);
}

CLI::Option* add_payload_option(CLI::App* cmd, const std::string& flag, formats::ElementType& out,
                                const std::string& help) {
  return add_enum_option(cmd, flag, out, formats::kAllElementTypes, help);
}

}  // namespace mxconf::cli

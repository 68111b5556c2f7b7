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

// The help shows "{a,b,c}"; a wrong value gets an error listing the names.
template <typename E, size_t N>
CLI::Option* add_enum_option(CLI::App* cmd, const std::string& flag, E& out, const E (&all)[N],
                             const std::string& help) {
  const std::map<std::string, E> names = names_of(all);
  std::string list;
  for (E v : all) list += (list.empty() ? "" : ",") + std::string(formats::name(v));
  CLI::Validator known(
      [names, list](std::string& s) {
        return names.count(s) ? std::string() : "'" + s + "' is not one of {" + list + "}";
      },
      "");
  return cmd
      ->add_option_function<std::string>(
          flag, [&out, names](const std::string& s) { out = names.at(s); }, help)
      ->check(known)
      ->type_name("{" + list + "}")
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

#include "enum_options.h"

#include <functional>
#include <map>

namespace mxconf::cli {
namespace {

// The help shows "{a,b,c}"; a wrong value gets an error listing the names. `set` receives the
// parsed value; `shown` is the default the help prints (empty: none).
template <typename E, size_t N, typename NameOf>
CLI::Option* add_enum_option(CLI::App* cmd, const std::string& flag, std::function<void(E)> set,
                             const E (&all)[N], NameOf name_of, const std::string& help,
                             const std::string& shown) {
  std::map<std::string, E> names;
  std::string list;
  for (E v : all) {
    names.emplace(std::string(name_of(v)), v);
    list += (list.empty() ? "" : ",") + std::string(name_of(v));
  }
  CLI::Validator known(
      [names, list](std::string& s) {
        return names.count(s) ? std::string() : "'" + s + "' is not one of {" + list + "}";
      },
      "");
  CLI::Option* o = cmd->add_option_function<std::string>(
                          flag, [set, names](const std::string& s) { set(names.at(s)); }, help)
                       ->check(known)
                       ->type_name("{" + list + "}");
  if (!shown.empty()) o->default_str(shown);
  return o;
}

}  // namespace

CLI::Option* add_scale_rule_option(CLI::App* cmd, const std::string& flag, formats::ScaleRule& out,
                                   const std::string& help) {
  return add_enum_option<formats::ScaleRule>(
      cmd, flag, [&out](formats::ScaleRule v) { out = v; }, formats::kAllScaleRules,
      [](formats::ScaleRule v) { return formats::name(v); }, help, std::string(formats::name(out)));
}

CLI::Option* add_payload_option(CLI::App* cmd, const std::string& flag, formats::ElementType& out,
                                const std::string& help) {
  return add_enum_option<formats::ElementType>(
      cmd, flag, [&out](formats::ElementType v) { out = v; }, formats::kAllElementTypes,
      [](formats::ElementType v) { return formats::name(v); }, help,
      std::string(formats::name(out)));
}

CLI::Option* add_level_option(CLI::App* cmd, const std::string& flag,
                              std::optional<mxconf::Level>& out, const std::string& help) {
  return add_enum_option<mxconf::Level>(
      cmd, flag, [&out](mxconf::Level v) { out = v; }, mxconf::kAllLevels,
      [](mxconf::Level v) { return mxconf::name(v); }, help, "");
}

CLI::Option* add_level_option(CLI::App* cmd, const std::string& flag, mxconf::Level& out,
                              const std::string& help) {
  return add_enum_option<mxconf::Level>(
      cmd, flag, [&out](mxconf::Level v) { out = v; }, mxconf::kAllLevels,
      [](mxconf::Level v) { return mxconf::name(v); }, help, std::string(mxconf::name(out)));
}

}  // namespace mxconf::cli

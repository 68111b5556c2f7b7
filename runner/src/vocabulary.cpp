#include "mxconf/runner/vocabulary.h"

#include <utility>

namespace mxconf::runner {
namespace {

template <typename E>
struct Named {
  E value;
  std::string_view name;
};

// One table per enum: the only place its names are spelled.
constexpr Named<Verdict> kVerdictNames[] = {
    {Verdict::pass, "pass"},
    {Verdict::fail, "fail"},
    {Verdict::error, "error"},
    {Verdict::rejected_as_expected, "rejected-as-expected"},
    {Verdict::rejection_missed, "rejection-missed"},
    {Verdict::unsupported, "unsupported"},
};
constexpr Named<Level> kLevelNames[] = {{Level::bit_exact, "bit-exact"},
                                        {Level::compliant, "compliant"}};
constexpr Named<Tier> kTierNames[] = {
    {Tier::a, "a"}, {Tier::b, "b"}, {Tier::c, "c"}, {Tier::d, "d"}};
constexpr Named<Tier> kTierKeys[] = {{Tier::a, "a_bit_exact"},
                                     {Tier::b, "b_compliance"},
                                     {Tier::c, "c_fidelity"},
                                     {Tier::d, "d_scale_rules"}};
constexpr Named<Stage> kStageNames[] = {
    {Stage::generate, "generate"},   {Stage::lower, "lower"},         {Stage::validate, "validate"},
    {Stage::serialize, "serialize"}, {Stage::load, "load"},           {Stage::execute, "execute"},
    {Stage::judge, "judge"},         {Stage::sut_lower, "sut-lower"}, {Stage::sut_exec, "sut-exec"},
    {Stage::result, "result"},       {Stage::package, "package"},
};

template <typename E, size_t N>
constexpr std::string_view lookup(const Named<E> (&table)[N], E v) {
  for (const auto& n : table) {
    if (n.value == v) return n.name;
  }
  return "?";
}

template <typename E, size_t N>
constexpr std::optional<E> find(const Named<E> (&table)[N], std::string_view s) {
  for (const auto& n : table) {
    if (n.name == s) return n.value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(Verdict v) {
  return lookup(kVerdictNames, v);
}
std::string_view name(Tier t) {
  return lookup(kTierNames, t);
}
std::string_view name(Stage s) {
  return lookup(kStageNames, s);
}
std::string_view name(Level l) {
  return lookup(kLevelNames, l);
}
std::optional<Level> parse_level(std::string_view s) {
  return find(kLevelNames, s);
}
std::string_view record_key(Tier t) {
  return lookup(kTierKeys, t);
}
std::optional<Verdict> parse_verdict(std::string_view s) {
  return find(kVerdictNames, s);
}
std::optional<Tier> parse_tier(std::string_view s) {
  return find(kTierNames, s);
}
std::optional<Stage> parse_stage(std::string_view s) {
  return find(kStageNames, s);
}

}  // namespace mxconf::runner

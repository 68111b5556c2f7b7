#include "mxconf/vocabulary/verdicts.h"

#include "mxconf/vocabulary/named.h"

namespace mxconf {
namespace {

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
    {Tier::s, "s"}, {Tier::a, "a"}, {Tier::b, "b"}, {Tier::c, "c"}, {Tier::d, "d"}};
constexpr Named<Tier> kTierKeys[] = {{Tier::s, "s_graph"},
                                     {Tier::a, "a_bit_exact"},
                                     {Tier::b, "b_compliance"},
                                     {Tier::c, "c_fidelity"},
                                     {Tier::d, "d_scale_rules"}};
// mxconf's steps by the step's name; the system's with "sut-" (its execute step keeps the name
// "sut-exec" that reports and known-failure lists have always used). The last rows are names
// written before stages had an actor, read as what they meant.
constexpr Named<Stage> kStageNames[] = {
    {stage::generate, "generate"},
    {stage::lower, "lower"},
    {stage::validate, "validate"},
    {stage::serialize, "serialize"},
    {stage::load, "load"},
    {stage::execute, "execute"},
    {stage::read_package, "read"},
    {stage::judge, "judge"},
    {stage::sut_lower, "sut-lower"},
    {{Step::validate, Actor::sut}, "sut-validate"},
    {{Step::serialize, Actor::sut}, "sut-serialize"},
    {stage::sut_load, "sut-load"},
    {stage::sut_exec, "sut-exec"},
    {stage::sut_result, "sut-read"},
    {{Step::generate, Actor::sut}, "sut-generate"},
    {{Step::judge, Actor::sut}, "sut-judge"},
    {stage::read_package, "package"},  // before 0.2
    {stage::sut_result, "result"},     // before 0.2
};

}  // namespace

std::string_view name(Verdict v) {
  return name_in(kVerdictNames, v);
}
std::string_view name(Level l) {
  return name_in(kLevelNames, l);
}
std::string_view name(Tier t) {
  return name_in(kTierNames, t);
}
std::string_view name(Stage s) {
  return name_in(kStageNames, s);
}
std::string_view record_key(Tier t) {
  return name_in(kTierKeys, t);
}
std::optional<Verdict> parse_verdict(std::string_view s) {
  return parse_in(kVerdictNames, s);
}
std::optional<Level> parse_level(std::string_view s) {
  return parse_in(kLevelNames, s);
}
std::optional<Tier> parse_tier(std::string_view s) {
  return parse_in(kTierNames, s);
}
std::optional<Stage> parse_stage(std::string_view s) {
  return parse_in(kStageNames, s);
}

}  // namespace mxconf

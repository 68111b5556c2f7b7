// The words a verdict is written in, shared by runner/, reports/ and tools/: verdicts, levels,
// tiers and stages as types, each with one name table (named.h). Names appear only where results
// are written or read (results.jsonl, reports, the CLI); everything in between passes these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mxconf {

enum class Verdict : uint8_t {
  pass,                  // the system did what the spec says (at the required conformance level)
  fail,                  // it produced a wrong result: a tier says which
  error,                 // a stage broke before there was anything to judge
  rejected_as_expected,  // an ERROR_IF case, rejected with the expected code
  rejection_missed,      // an ERROR_IF case the system accepted (or rejected for another reason)
  unsupported,           // the system says it cannot handle the case at all (a dim order, dtype,
                         // rule): not a pass, not a failure, counted on its own
};
inline constexpr Verdict kAllVerdicts[] = {Verdict::pass,
                                           Verdict::fail,
                                           Verdict::error,
                                           Verdict::rejected_as_expected,
                                           Verdict::rejection_missed,
                                           Verdict::unsupported};
// The outcomes that are what the spec asks for.
constexpr bool is_good(Verdict v) {
  return v == Verdict::pass || v == Verdict::rejected_as_expected;
}
// The outcomes that make a run fail: something is wrong with the system (or mxconf).
constexpr bool is_failure(Verdict v) {
  return v == Verdict::fail || v == Verdict::error || v == Verdict::rejection_missed;
}

// How close a passing valid case came to the spec's pseudocode. Bit-exact: the outputs equal the
// pseudocode order bit for bit. Compliant: they do not, but lie within TOSA's bounds (tiers b and
// c), with everything that must be exact (activation casts, weight constants, shapes, rejected
// graphs) exact. A level is also what a run requires of a system (--require).
enum class Level : uint8_t { bit_exact, compliant };
inline constexpr Level kAllLevels[] = {Level::bit_exact, Level::compliant};

// The oracle's tiers (docs/case-format.md "Tiers"), in the order they are judged.
enum class Tier : uint8_t {
  s,  // the graph: it keeps TOSA's rules (validation of whatever graph the lowering produced)
  a,  // bit-exact: outputs, activation casts and weight constants equal the oracle's
  b,  // TOSA compliance: DOT_PRODUCT with the MX relaxation, and the cast check
  c,  // fidelity against the unquantized fp32 model
  d,  // which scale rules the observed activation scales match (never fails)
};
inline constexpr Tier kAllTiers[] = {Tier::s, Tier::a, Tier::b, Tier::c, Tier::d};

// Where a case broke when its verdict is `error`: the step that was running, and which system
// was acting in it (mxconf's own code, or the system under test).
enum class Step : uint8_t {
  generate,   // the case's data was being made
  lower,      // a lowering was running (or the model description was read)
  validate,   // mxconf's lowering produced a graph its own TOSA validation rejects
  serialize,  // the .tosa writer
  load,       // a .tosa was being read back
  execute,    // a runtime was running the graph
  read,       // a file was being read: a package test (mxconf's) or a result (the system's)
  judge,      // the oracle was judging
};
enum class Actor : uint8_t { mxconf, sut };
struct Stage {
  Step step = Step::execute;
  Actor actor = Actor::mxconf;
  constexpr bool operator==(const Stage&) const = default;
};
namespace stage {
inline constexpr Stage generate{Step::generate, Actor::mxconf};
inline constexpr Stage lower{Step::lower, Actor::mxconf};
inline constexpr Stage validate{Step::validate, Actor::mxconf};
inline constexpr Stage serialize{Step::serialize, Actor::mxconf};
inline constexpr Stage load{Step::load, Actor::mxconf};
inline constexpr Stage execute{Step::execute, Actor::mxconf};
inline constexpr Stage judge{Step::judge, Actor::mxconf};
inline constexpr Stage read_package{Step::read, Actor::mxconf};  // a package test or case file
inline constexpr Stage sut_lower{Step::lower, Actor::sut};
inline constexpr Stage sut_load{Step::load, Actor::sut};  // its .tosa does not load
inline constexpr Stage sut_exec{Step::execute, Actor::sut};
inline constexpr Stage sut_result{Step::read, Actor::sut};  // its result file
}  // namespace stage

std::string_view name(Verdict v);  // "pass", "rejected-as-expected", ...
std::string_view name(Level l);    // "bit-exact", "compliant"
std::string_view name(Tier t);     // "s", "a" .. "d"
std::string_view name(Stage s);    // "lower", "sut-exec", ...
// The key a tier's record has in a result line's "tiers" object ("a_bit_exact", ...).
std::string_view record_key(Tier t);

std::optional<Verdict> parse_verdict(std::string_view s);
std::optional<Level> parse_level(std::string_view s);
std::optional<Tier> parse_tier(std::string_view s);
std::optional<Stage> parse_stage(std::string_view s);  // also the names written before 0.2

}  // namespace mxconf

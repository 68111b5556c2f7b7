// The words a verdict is written in, shared by runner/, reports/ and tools/: verdicts, tiers and
// stages as enums, each with one name table. Names appear only where results are written or read
// (results.jsonl, reports, the CLI); everything in between passes these types.
// This is its own small library (mxconf_vocabulary) so reports/ can use it without linking the
// runner.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mxconf::runner {

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

// How close a passing valid case came to the spec's pseudocode (issue: what "pass" means for
// someone else's system). Bit-exact: the outputs equal the pseudocode order bit for bit.
// Compliant: they do not, but lie within TOSA's bounds (tiers b and c), with everything that
// must be exact (activation casts, weight constants, shapes, rejected graphs) exact.
enum class Level : uint8_t { bit_exact, compliant };
std::string_view name(Level l);  // "bit-exact", "compliant"
std::optional<Level> parse_level(std::string_view s);

// The oracle's tiers, strictest first (docs/case-format.md "Tiers").
enum class Tier : uint8_t {
  a,  // bit-exact: outputs, activation casts and weight constants equal the oracle's
  b,  // TOSA compliance: DOT_PRODUCT with the MX relaxation, and the cast check
  c,  // fidelity against the unquantized fp32 model
  d,  // which scale rules the observed activation scales match (never fails)
};
inline constexpr Tier kAllTiers[] = {Tier::a, Tier::b, Tier::c, Tier::d};

// Where a case broke when its verdict is `error`.
enum class Stage : uint8_t {
  generate,   // the case's data could not be made
  lower,      // mxconf's lowering (or the model description) failed
  validate,   // mxconf's lowering produced a graph its TOSA validation rejects
  serialize,  // the .tosa writer failed
  load,       // the .tosa reader rejected mxconf's own file
  execute,    // mxconf's interpreter failed
  judge,      // the oracle failed
  sut_lower,  // an external lowering failed or wrote an unusable .tosa
  sut_exec,   // an external runtime failed or wrote an unusable result
  result,     // a result file produced elsewhere is missing or malformed (mxconf check)
  package,    // a conformance package test cannot be read (mxconf check)
};
inline constexpr Stage kAllStages[] = {Stage::generate,  Stage::lower,     Stage::validate,
                                       Stage::serialize, Stage::load,      Stage::execute,
                                       Stage::judge,     Stage::sut_lower, Stage::sut_exec,
                                       Stage::result,    Stage::package};

std::string_view name(Verdict v);  // "pass", "rejected-as-expected", ...
std::string_view name(Tier t);     // "a" .. "d"
std::string_view name(Stage s);    // "lower", "sut-exec", ...
// The key a tier's record has in a result line's "tiers" object ("a_bit_exact", ...).
std::string_view record_key(Tier t);

std::optional<Verdict> parse_verdict(std::string_view s);
std::optional<Tier> parse_tier(std::string_view s);
std::optional<Stage> parse_stage(std::string_view s);

}  // namespace mxconf::runner

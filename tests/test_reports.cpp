// Reports: the model, its writers, shard merging and baseline diffs.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "mxconf/reports/merge_diff.h"
#include "mxconf/reports/writers.h"
#include "support/small_run.h"

namespace {

using namespace mxconf;
namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  return test::scratch_dir("reports_" + name);
}

nlohmann::json result_line(uint64_t index, const std::string& verdict, const std::string& fp,
                           const std::string& payload = "fp8e4m3") {
  nlohmann::json j = {
      {"index", index},
      {"fingerprint", fp},
      {"name", "case_" + std::to_string(index)},
      {"verdict", verdict},
      {"facets",
       {{"op", "MXFP_LINEAR"},
        {"payload", payload},
        {"input_dtype", "fp32"},
        {"rank", 2},
        {"dim_order", "contiguous"},
        {"campaign", "normal"}}},
      {"tiers",
       {{"b_compliance", {{"dot_product", {{"max_err_over_bound", 1e-7}}}}},
        {"c_fidelity", {{"rel_frobenius", 0.03}, {"cosine", 0.999}, {"max_ulp", 3}}},
        {"d_scale_rules", {"tosa", "rceil"}}}}};
  if (verdict == "fail") {
    j["tier"] = "a";
    j["message"] = "output 3 differs <from> the oracle & more";
    j["minimal"] = {{"fingerprint", fp}, {"replay", "mxconf replay failures/" + fp + ".json"}};
  }
  if (verdict == "error") j["stage"] = "lower";
  return j;
}

// Tags open and close in order (a small well-formedness check for the XML and HTML writers).
// Hand-rolled rather than std::regex: GCC 12 warns inside <regex> under the sanitizers.
bool tags_balanced(const std::string& text) {
  static const std::set<std::string> void_tags = {"meta", "br", "hr", "img", "link", "input"};
  std::vector<std::string> stack;
  for (size_t lt = text.find('<'); lt != std::string::npos; lt = text.find('<', lt + 1)) {
    const size_t gt = text.find('>', lt);
    if (gt == std::string::npos) return false;
    const std::string tag = text.substr(lt + 1, gt - lt - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;  // <?xml ...?>, <!DOCTYPE>
    const bool closing = tag[0] == '/';
    const size_t start = closing ? 1 : 0;
    size_t end = start;
    while (end < tag.size() &&
           (std::isalnum(static_cast<unsigned char>(tag[end])) || tag[end] == '-'))
      ++end;
    const std::string name = tag.substr(start, end - start);
    if (name.empty()) return false;
    if (tag.back() == '/' || void_tags.count(name)) continue;
    if (closing) {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    } else {
      stack.push_back(name);
    }
  }
  return stack.empty();
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

fs::path write_run(const std::string& name, const std::vector<nlohmann::json>& lines,
                   bool cut_last = false) {
  const fs::path d = scratch(name);
  fs::create_directories(d);
  std::ofstream out(d / "results.jsonl");
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i].dump();
    if (cut_last && i + 1 == lines.size()) {
      out << text.substr(0, text.size() / 2);
    } else {
      out << text << '\n';
    }
  }
  std::ofstream(d / "run.json")
      << R"({"identity": {"seed": 1, "cases": 4, "shard": {"index": 1, "count": 1}}})";
  return d;
}

std::vector<nlohmann::json> four_lines() {
  return {result_line(0, "pass", "aa"), result_line(1, "fail", "bb"),
          result_line(2, "fail", "bb", "fp4e2m1"), result_line(3, "error", "cc")};
}

TEST(Report, CountsMatrixStatisticsAndGroupsFailures) {
  const reports::Report r = reports::build_report(write_run("counts", four_lines()).string());
  EXPECT_EQ(r.totals.total(), 4u);
  EXPECT_EQ(r.totals.pass, 1u);
  EXPECT_EQ(r.totals.fail_by_tier.at("a"), 2u);
  EXPECT_EQ(r.totals.error_by_stage.at("lower"), 1u);
  EXPECT_EQ(r.matrix.size(), 2u) << "fp8e4m3 and fp4e2m1 cells";
  ASSERT_EQ(r.failures.size(), 2u) << "bb twice, cc once";
  EXPECT_EQ(r.failures.at("bb").count, 2u);
  EXPECT_EQ(r.failures.at("bb").indices, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(r.scale_rules.at("tosa"), 4u);
  uint64_t in_hist = 0;
  for (uint64_t c : r.err_over_bound.counts) in_hist += c;
  EXPECT_EQ(in_hist, 4u);
}

TEST(Report, KnownFailuresCountAsXfail) {
  const reports::Report r =
      reports::build_report(write_run("known", four_lines()).string(), {"bb"});
  EXPECT_EQ(r.totals.xfail, 2u);
  EXPECT_EQ(r.totals.fail_by_tier.count("a"), 0u);
  EXPECT_EQ(r.totals.bad(), 1u) << "only the error";
  EXPECT_TRUE(r.failures.at("bb").known);
  EXPECT_FALSE(r.failures.at("cc").known);
  const std::string x = reports::write_junit(r);
  EXPECT_EQ(occurrences(x, "<skipped "), 2u)
      << "the known group, and the fp4e2m1 cell holding only it";
  EXPECT_EQ(reports::report_from_json(reports::to_json(r)).failures, r.failures);
}

// One xfail entry per bug, whatever extra diagnosis its failures carry.
TEST(Report, XfailKeysArePatternsWithStars) {
  const std::string pre44 = "tier b: *; passes with cast rule tosa-pre44*";
  EXPECT_TRUE(reports::known_key_matches(
      pre44, "tier b: DOT_PRODUCT element beyond ABS_BOUND; passes with cast rule tosa-pre44"));
  EXPECT_TRUE(reports::known_key_matches(
      pre44,
      "tier b: DOT_PRODUCT sum err^# = #.# > VEB*T = #.#; passes with cast rule "
      "tosa-pre44, ocp, rceil"));
  EXPECT_FALSE(reports::known_key_matches(
      pre44, "tier b: DOT_PRODUCT element beyond ABS_BOUND; passes with cast rule rceil"));
  EXPECT_FALSE(reports::known_key_matches(pre44, "tier b: DOT_PRODUCT element beyond ABS_BOUND"));
  EXPECT_TRUE(reports::known_key_matches("exact [#, #] text", "exact [#, #] text"))
      << "no other character is special";
  EXPECT_FALSE(reports::known_key_matches("exact", "exact text"));
  EXPECT_TRUE(reports::known_key_matches("*", "anything"));
  const reports::Report r =
      reports::build_report(write_run("patterns", four_lines()).string(), {"b*"});
  EXPECT_EQ(r.totals.xfail, 2u) << "the pattern covers symptom bb";
}

TEST(Report, TruncatedResultsAreReadToTheLastCompleteLineWithAWarning) {
  const reports::Report r = reports::build_report(write_run("cut", four_lines(), true).string());
  EXPECT_EQ(r.totals.total(), 3u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("line 4"), std::string::npos) << r.warnings[0];
}

TEST(Report, MissingDirectoryAndGarbageLinesAreErrors) {
  EXPECT_THROW(reports::build_report(scratch("nothing").string()), std::runtime_error);
  const fs::path d = write_run("garbage", four_lines());
  std::ofstream(d / "results.jsonl", std::ios::app) << "not json\n";
  EXPECT_THROW(reports::build_report(d.string()), std::runtime_error);
}

TEST(Report, JsonFollowsTheSchemaAndReadsBack) {
  const reports::Report r = reports::build_report(write_run("json", four_lines()).string());
  const nlohmann::json j = reports::to_json(r);
  for (const char* key :
       {"mxconf_report", "metadata", "totals", "matrix", "statistics", "failures", "warnings"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const auto& cell : j["matrix"]) {
    for (const char* k : reports::kMatrixKeys) EXPECT_TRUE(cell[k].is_string()) << k;
    EXPECT_EQ(
        cell["total"].get<uint64_t>(),
        cell["pass"].get<uint64_t>() + cell["rejected_as_expected"].get<uint64_t>() +
            cell["rejection_missed"].get<uint64_t>() + cell["xfail"].get<uint64_t>() + [&] {
              uint64_t n = 0;
              for (const auto& [k, v] : cell["fail"].items()) n += v.get<uint64_t>();
              for (const auto& [k, v] : cell["error"].items()) n += v.get<uint64_t>();
              return n;
            }());
  }
  EXPECT_EQ(reports::report_from_json(j), r);
  nlohmann::json broken = j;
  broken["totals"].erase("pass");
  EXPECT_THROW(reports::report_from_json(broken), std::runtime_error);
}

TEST(Report, JunitParsesBackWithTheExpectedCounts) {
  const reports::Report r = reports::build_report(write_run("junit", four_lines()).string());
  const std::string x = reports::write_junit(r);
  EXPECT_TRUE(tags_balanced(x));
  EXPECT_EQ(occurrences(x, "<testcase "), r.matrix.size() + r.failures.size());
  // Both cells hold a bad case, and both failure groups fail.
  EXPECT_EQ(occurrences(x, "<failure "), 2u + 2u);
  EXPECT_NE(x.find("<testsuites name=\"mxconf\" tests=\"4\" failures=\"4\">"), std::string::npos);
  EXPECT_NE(x.find("&lt;from&gt; the oracle &amp; more"), std::string::npos) << "escaped";
}

TEST(Report, HtmlIsWellFormedSelfContainedAndListsEveryFailure) {
  const reports::Report r = reports::build_report(write_run("html", four_lines()).string());
  const std::string h = reports::write_html(r);
  EXPECT_FALSE(tags_balanced("<p><b>crossed</p></b>")) << "the check itself can fail";
  EXPECT_TRUE(tags_balanced(h));
  for (const auto& [key, g] : r.failures)
    EXPECT_NE(h.find("id=\"f-" + g.fingerprint + "\""), std::string::npos) << key;
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("http://"), h.find("http://www.w3.org/2000/svg")) << "no external assets";
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_GE(occurrences(h, "<svg "), 2u);
}

// What a reader of the page needs: a matrix per operator and one of ERROR_IF rules, known
// failures marked in their cells and rows (never looking like passes), histograms with a y-axis,
// a reason when tier (d) has nothing, and a merged run described as merged.
TEST(Report, HtmlShowsOperatorsErrorIfRowsXfailAxesAndWhyTierDIsEmpty) {
  std::vector<nlohmann::json> lines = four_lines();
  nlohmann::json conv = result_line(4, "pass", "dd");
  conv["facets"]["op"] = "MXFP_CONV2D";
  nlohmann::json invalid = result_line(5, "rejected-as-expected", "ee");
  invalid["facets"]["op"] = "ERROR_IF:k_not_multiple_of_32";
  lines.push_back(conv);
  lines.push_back(invalid);
  const fs::path dir = write_run("html_parts", lines);
  const reports::Report r = reports::build_report(dir.string(), {"bb"});
  const std::string h = reports::write_html(r);
  EXPECT_TRUE(tags_balanced(h));
  EXPECT_NE(h.find("<h2>Matrix: MXFP_LINEAR, payload &times; campaign</h2>"), std::string::npos);
  EXPECT_NE(h.find("<h2>Matrix: MXFP_CONV2D, payload &times; campaign</h2>"), std::string::npos);
  EXPECT_NE(h.find("<h2>Matrix: ERROR_IF rules &times; payload</h2>"), std::string::npos);
  EXPECT_NE(h.find("<th>k_not_multiple_of_32</th>"), std::string::npos);
  // The fp4e2m1 cell holds only a known failure: amber, "0/1 +1 xfail"; its group says known.
  EXPECT_NE(h.find("background:#f3d37a\" title=\"0 bad, 1 xfail, 0 unsupported of 1\">0/1 "
                   "<span class=\"xf\">+1 xfail</span>"),
            std::string::npos);
  EXPECT_NE(h.find("(known: xfail)"), std::string::npos);
  EXPECT_GE(occurrences(h, ">cases</text>"), 2u) << "each histogram has a y-axis";
  EXPECT_EQ(h.find("No case was classified"), std::string::npos) << "tier (d) has rows here";

  for (auto& l : lines) l["tiers"].erase("d_scale_rules");  // an external runtime: no casts seen
  const fs::path ext = write_run("html_external", lines);
  std::ofstream(ext / "run.json") << R"({"identity": {"seed": 1, "cases": 6, "cast_rule": )"
                                  << R"("per-case", "shard": {"index": 1, "count": 1}},)"
                                  << R"( "merged_from": ["s1", "s2"]})";
  const std::string e = reports::write_html(reports::build_report(ext.string()));
  EXPECT_NE(e.find("No case was classified. Tier (d) names the scale rule"), std::string::npos);
  EXPECT_NE(e.find("seed 1, cast rule drawn per case, merged from 2 shards"), std::string::npos);
  EXPECT_EQ(e.find("cases/s"), std::string::npos) << "a merged run has no one rate";
  ASSERT_NE(e.find("<details>"), std::string::npos);
  EXPECT_EQ(e.substr(0, e.find("<details>")).find("&quot;count&quot;"), std::string::npos)
      << "the shard is not printed as raw JSON outside the identity's details";
}

TEST(Report, WritersLeaveNothingHalfWrittenOnABadFormat) {
  const reports::Report r = reports::build_report(write_run("formats", four_lines()).string());
  const fs::path out = scratch("formats_out");
  EXPECT_THROW(reports::write_reports(r, out.string(), {"json", "pdf"}), std::runtime_error);
  EXPECT_FALSE(fs::exists(out / "report.json"));
  reports::write_reports(r, out.string(), reports::kAllFormats);
  for (const auto& f : reports::kAllFormats)
    EXPECT_TRUE(fs::exists(out / reports::report_file_name(f)));
}

test::SmallRun small_run(const fs::path& dir) {
  return test::small_run_options(dir, 40, 3, 4);
}

nlohmann::json without_times(nlohmann::json j) {
  j["metadata"].erase("run_dir");
  j["metadata"].erase("provenance");
  j["metadata"].erase("seconds");
  j["metadata"].erase("cases_per_second");
  j["metadata"].erase("ended_at");
  return j;
}

TEST(Merge, ShardsMergeIntoWhatOneRunGives) {
  const fs::path all = scratch("all");
  test::run_small(small_run(all));
  std::vector<std::string> shards;
  for (const fs::path& d : test::run_shards(small_run(all), 3, "reports_shard"))
    shards.push_back(d.string());
  const fs::path merged = scratch("merged");
  std::vector<std::string> warnings;
  reports::merge_runs({shards[2], shards[0], shards[1]}, merged.string(), &warnings);
  EXPECT_TRUE(warnings.empty());
  const nlohmann::json a = without_times(reports::to_json(reports::build_report(all.string())));
  nlohmann::json b = without_times(reports::to_json(reports::build_report(merged.string())));
  // The one difference: a merged run names its shards (and so gives no single cases/s).
  EXPECT_EQ(b["metadata"]["merged_from"].size(), 3u);
  b["metadata"].erase("merged_from");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["totals"]["total"].get<uint64_t>(), 40u);
  // Mismatched shards are refused, and nothing is written.
  test::SmallRun other = small_run(scratch("other"));
  other.seed = 4;
  other.options.shard_index = 1;
  other.options.shard_count = 3;
  test::run_small(other);
  const fs::path refused = scratch("refused");
  EXPECT_THROW(
      reports::merge_runs({shards[0], other.options.out_dir, shards[2]}, refused.string(), nullptr),
      std::runtime_error);
  EXPECT_FALSE(fs::exists(refused / "results.jsonl"));
  EXPECT_THROW(reports::merge_runs({shards[0], shards[1]}, refused.string(), nullptr),
               std::runtime_error)
      << "two of three shards";
}

reports::Report with_failures(const std::vector<std::string>& fps) {
  reports::Report r;
  uint64_t i = 0;
  for (const auto& fp : fps) reports::add_result(r, result_line(i++, "fail", fp));
  return r;
}

std::map<std::string, std::string> classes(const reports::Diff& d) {
  std::map<std::string, std::string> m;
  for (const auto& e : d.entries) m[e.key] = e.cls;
  return m;
}

TEST(Diff, EachClassHasItsCase) {
  const reports::Report base = with_failures({"old_fixed", "still", "known_now_passes"});
  const reports::Report now = with_failures({"still", "brand_new", "known"});
  const std::vector<reports::KnownFailure> xfail = {{"known", "spec erratum", "https://x/1"},
                                                    {"known_now_passes", "bug 7", "https://x/2"}};
  const reports::Diff d = reports::diff_reports(base, now, xfail);
  const auto c = classes(d);
  EXPECT_EQ(c.at("brand_new"), "new");
  EXPECT_EQ(c.at("old_fixed"), "fixed");
  EXPECT_EQ(c.at("still"), "still-failing");
  EXPECT_EQ(c.at("known"), "xfail");
  EXPECT_EQ(c.at("known_now_passes"), "unexpected-pass");
  EXPECT_FALSE(d.ok());
  // Without the new failure and the unexpected pass, the diff is fine.
  const reports::Diff quiet =
      reports::diff_reports(base, with_failures({"still", "known"}), {xfail[0]});
  EXPECT_TRUE(quiet.ok());
  EXPECT_EQ(classes(quiet).at("old_fixed"), "fixed");
  EXPECT_FALSE(reports::diff_reports(base, with_failures({"still"}), {xfail[1]}).ok())
      << "an xfail that passes fails the diff";
}

TEST(Diff, XfailFileNeedsReasonAndLink) {
  const fs::path p = scratch("xfail.json");
  std::ofstream(p) << R"({"known_failures": [{"fingerprint": "ab"}]})";
  EXPECT_THROW(reports::load_xfail_file(p.string()), std::runtime_error);
  std::ofstream(p) << R"({"known_failures": [{"fingerprint": "ab", "reason": "r", "link": "l"}]})";
  EXPECT_EQ(reports::load_xfail_file(p.string()).size(), 1u);
}

}  // namespace

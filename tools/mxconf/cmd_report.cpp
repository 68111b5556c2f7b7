// mxconf report DIR | report merge DIR... -o OUT | report diff --baseline B NEW
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "commands.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/reports/merge_diff.h"
#include "mxconf/reports/pairs.h"
#include "mxconf/reports/writers.h"

namespace mxconf::cli {
namespace {

struct ReportOptions {
  std::string dir, out, formats = "json,junit,md,html", report_xfail;
  std::vector<std::string> merge_dirs;
  std::string merge_out;
  std::string baseline, current, xfail, diff_out;
  std::vector<std::string> pairs;
  std::string pairs_out;
};

std::vector<std::string> split_formats(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string f; std::getline(ss, f, ',');) {
    if (!f.empty()) out.push_back(f);
  }
  if (out.empty()) throw UsageError("--format lists no format");
  for (const auto& f : out) reports::report_file_name(f);  // throws for an unknown one
  return out;
}

void print_warnings(const std::vector<std::string>& w) {
  for (const auto& s : w) std::fprintf(stderr, "mxconf report: warning: %s\n", s.c_str());
}

int run_report(const ReportOptions& o) {
  if (!std::filesystem::is_directory(o.dir)) throw UsageError(o.dir + " is not a run directory");
  const std::vector<std::string> formats = split_formats(o.formats);
  std::set<std::string> known;
  if (!o.report_xfail.empty()) {
    for (const auto& k : reports::load_xfail_file(o.report_xfail)) known.insert(k.key);
  }
  const reports::Report r = reports::build_report(o.dir, known);
  print_warnings(r.warnings);
  const std::string out = o.out.empty() ? o.dir + "/report" : o.out;
  reports::write_reports(r, out, formats);
  // Failing cases, and the symptoms they fall in; known failures (--xfail) are counted apart,
  // so "0 failing" never sits beside a count of failures without saying they are known.
  size_t known_groups = 0;
  for (const auto& [key, g] : r.failures) known_groups += g.known;
  std::printf(
      "%llu cases: %llu failing in %zu symptom(s), %llu known failures (xfail) in %zu "
      "symptom(s); reports in %s:",
      (unsigned long long)r.totals.total(), (unsigned long long)r.totals.bad(),
      r.failures.size() - known_groups, (unsigned long long)r.totals.xfail, known_groups,
      out.c_str());
  for (const auto& f : formats) std::printf(" %s", reports::report_file_name(f).c_str());
  std::printf("\n");
  if (const auto missing = reports::missing_cases(r)) {
    std::fprintf(stderr,
                 "mxconf report: %s: %llu of the run's cases have no result (interrupted? "
                 "continue it with `mxconf run ... --resume --out %s`)\n",
                 reports::headline(r).c_str(), (unsigned long long)*missing, o.dir.c_str());
    return 1;
  }
  return r.totals.bad() == 0 ? 0 : 1;
}

int run_merge(const ReportOptions& o) {
  std::vector<std::string> warnings;
  reports::merge_runs(o.merge_dirs, o.merge_out, &warnings);
  print_warnings(warnings);
  std::printf("merged %zu shard(s) into %s\n", o.merge_dirs.size(), o.merge_out.c_str());
  return 0;
}

// NEW is a report.json or a run directory (its report is built on the fly).
reports::Report load_current(const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    reports::Report r = reports::build_report(path);
    print_warnings(r.warnings);
    return r;
  }
  return reports::load_report_file(path);
}

int run_diff(const ReportOptions& o) {
  const reports::Report base = reports::load_report_file(o.baseline);
  const reports::Report cur = load_current(o.current);
  const auto xfail =
      o.xfail.empty() ? std::vector<reports::KnownFailure>{} : reports::load_xfail_file(o.xfail);
  const reports::Diff d = reports::diff_reports(base, cur, xfail);
  for (const auto& e : d.entries) {
    std::printf("%-16s %s  %s%s%s\n", e.cls.c_str(), e.key.c_str(), e.message.c_str(),
                e.reason.empty() ? "" : "  -- ", e.reason.c_str());
    if (e.cls == "new" && !e.replay.empty()) std::printf("%16s replay: %s\n", "", e.replay.c_str());
  }
  if (!o.diff_out.empty()) {
    const std::string text = d.to_json().dump(2) + "\n";
    io::write_file_atomic(o.diff_out, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  std::printf("diff: %s\n", d.to_json()["counts"].dump().c_str());
  return d.ok() ? 0 : 1;
}

// NAME=PATH: a run directory or a report.json, shown under NAME.
int run_pairs(const ReportOptions& o) {
  std::vector<reports::NamedReport> named;
  for (const std::string& p : o.pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
      throw UsageError("'" + p + "' is not NAME=RUN_DIR (or NAME=report.json)");
    named.emplace_back(p.substr(0, eq), load_current(p.substr(eq + 1)));
  }
  std::filesystem::create_directories(o.pairs_out);
  io::AtomicOutputs files;
  const std::string md = reports::write_pairs_markdown(named);
  const std::string html = reports::write_pairs_html(named);
  files.stage(o.pairs_out + "/matrix.md", {reinterpret_cast<const uint8_t*>(md.data()), md.size()});
  files.stage(o.pairs_out + "/matrix.html",
              {reinterpret_cast<const uint8_t*>(html.data()), html.size()});
  files.commit();
  for (const auto& [name, r] : named)
    std::printf("%-22s %s\n", name.c_str(), reports::outcome_text(r.totals).c_str());
  std::printf("matrix: %s/matrix.md, %s/matrix.html\n", o.pairs_out.c_str(), o.pairs_out.c_str());
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, int& result) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write the reports of a run directory (JSON, JUnit XML, Markdown, HTML; "
      "docs/report-format.md).\n"
      "Exit 1 if any case failed. Subcommands merge shards and diff against a baseline.");
  cmd->require_subcommand(0, 1);
  cmd->add_option("DIR", o->dir, "run directory (holds results.jsonl and run.json)");
  cmd->add_option("--format", o->formats, "comma-separated: json,junit,md,html")
      ->capture_default_str();
  cmd->add_option("-o,--output", o->out, "report directory (default: DIR/report)");
  cmd->add_option("--xfail", o->report_xfail,
                  "known failures (reports/xfail.json): counted as xfail, not failing");
  cmd->callback([cmd, o, &result] {
    if (!cmd->get_subcommands().empty()) return;
    try {
      if (o->dir.empty()) throw UsageError("give a run directory, or a subcommand (merge, diff)");
      result = run_report(*o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mxconf report: error: %s\n", e.what());
      result = 1;
    }
  });

  CLI::App* merge = cmd->add_subcommand(
      "merge", "Merge the run directories of one run's shards into one run directory.");
  merge->add_option("DIRS", o->merge_dirs, "shard run directories")->required();
  merge->add_option("-o,--output", o->merge_out, "merged run directory (must not hold results)")
      ->required();
  set_action(merge, result, [o] { return run_merge(*o); });

  CLI::App* diff = cmd->add_subcommand(
      "diff",
      "Classify every failure against a baseline report: new, fixed, still-failing, xfail\n"
      "(known, from --xfail) or unexpected-pass. Exit 1 for new failures and unexpected passes.");
  diff->add_option("--baseline", o->baseline, "baseline report.json")->required();
  diff->add_option("NEW", o->current, "the new report.json, or a run directory")->required();
  diff->add_option("--xfail", o->xfail, "known failures (reports/xfail.json)");
  diff->add_option("-o,--output", o->diff_out, "also write the diff as JSON here");
  set_action(diff, result, [o] { return run_diff(*o); });

  CLI::App* pairs = cmd->add_subcommand(
      "pairs",
      "Set several systems' runs side by side (the conformance matrix): per payload, input\n"
      "dtype, rank, dim order, campaign and operator, and their failure symptoms.");
  pairs->add_option("PAIRS", o->pairs, "NAME=RUN_DIR or NAME=report.json, one per system")
      ->required();
  pairs->add_option("-o,--output", o->pairs_out, "directory for matrix.md and matrix.html")
      ->required();
  set_action(pairs, result, [o] { return run_pairs(*o); });
}

}  // namespace mxconf::cli

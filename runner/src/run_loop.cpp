#include "mxconf/runner/run_loop.h"

#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "mxconf/io/atomic_output.h"
#include "mxconf/runner/run_case.h"
#include "mxconf/runner/shrink.h"
#include "mxconf/version.h"

namespace mxconf::runner {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// What makes two runs the same run (resume checks it; merge requires it but for the shard).
nlohmann::json run_identity(const CaseSource& cases, const SystemUnderTest& sut,
                            const RunOptions& o) {
  nlohmann::json id = {{"seed", cases.seed()},
                       {"cases", cases.size()},
                       {"shard", {{"index", o.shard_index + 1}, {"count", o.shard_count}}}};
  if (const generators::GenConfig* g = cases.generator()) {
    std::vector<std::string> campaigns;
    for (auto c : g->campaigns) campaigns.emplace_back(generators::name(c));
    id["invalid_fraction"] = g->invalid_fraction;
    id["cast_rule"] = formats::name(g->cast_rule);
    id["max_k"] = int64_t(g->max_k_blocks) * 32;
    id["campaigns"] = campaigns;
  }
  if (const nlohmann::json s = sut.identity(); !s.is_null()) id["sut"] = s;
  for (const auto& [k, v] : o.identity.items()) id[k] = v;
  return id;
}

// What a report needs to say where and with what a run was made (not part of its identity).
nlohmann::json run_provenance() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return {{"mxconf_version", MXCONF_VERSION_STRING},
          {"git_commit", MXCONF_GIT_COMMIT},
          {"spec_revision", generators::TargetSpec{}.spec_revision},
          {"machine", {{"host", host}, {"cpus", std::thread::hardware_concurrency()}}},
          {"started_at", utc_now()}};
}

void write_json(const fs::path& p, const nlohmann::json& j) {
  const std::string text = j.dump(2) + "\n";
  io::write_file_atomic(p.string(), {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

// Verdict counts and the failure list of a run, rebuilt from its result lines, so a resumed
// run's summary covers the whole results file and not only the last session.
struct Tally {
  std::map<std::string, uint64_t> counts;
  nlohmann::json failures = nlohmann::json::array();

  void add(const nlohmann::json& line) {
    const std::string verdict = line.value("verdict", "");
    ++counts[verdict];
    const std::optional<Verdict> v = parse_verdict(verdict);
    if (v && is_good(*v)) return;
    nlohmann::json f = {{"index", line.value("index", uint64_t{0})},
                        {"verdict", verdict},
                        {"tier", line.value("tier", "")},
                        {"stage", line.value("stage", "")},
                        {"message", line.value("message", "")}};
    const nlohmann::json minimal = line.value("minimal", nlohmann::json::object());
    f["fingerprint"] = minimal.value("fingerprint", line.value("fingerprint", ""));
    f["replay"] = minimal.value("replay", "");
    failures.push_back(std::move(f));
  }
};

// Reads the complete lines of an existing results file into `tally`, line by line (a 10^6-case
// file is ~700 MB). A line cut by an interrupt is dropped and the file truncated to the last
// newline. Returns how many results it holds.
uint64_t resume_results(const fs::path& p, Tally& tally) {
  if (!fs::exists(p)) return 0;
  std::ifstream in(p, std::ios::binary);
  std::string line;
  uint64_t lines = 0, keep = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline after it: cut by an interrupt
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw std::runtime_error(p.string() + ": line " + std::to_string(lines + 1) +
                               " is not a result record; cannot resume");
    }
    tally.add(j);
    keep += line.size() + 1;
    ++lines;
  }
  in.close();
  if (keep != fs::file_size(p)) fs::resize_file(p, keep);
  return lines;
}

// Workers may run at most this many cases ahead of the oldest unwritten one, so a slow case (or
// a failure being shrunk) cannot make the buffer of finished results grow without bound.
constexpr size_t kMaxRunAhead = 1024;

}  // namespace

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RunSummary run_campaign(const CaseSource& cases, const SystemUnderTest& sut, const RunOptions& o) {
  if (o.shard_count == 0 || o.shard_index >= o.shard_count)
    throw std::runtime_error("shard index " + std::to_string(o.shard_index) + " is not below the " +
                             std::to_string(o.shard_count) + " shards");
  if (o.jobs == 0) throw std::runtime_error("--jobs must be at least 1");
  const fs::path dir(o.out_dir);
  fs::create_directories(dir / "failures");
  const fs::path results_path = dir / "results.jsonl";
  const fs::path run_path = dir / "run.json";
  const nlohmann::json identity = run_identity(cases, sut, o);

  // This shard's indices, in order.
  std::vector<uint64_t> indices;
  for (uint64_t i = o.shard_index; i < cases.size(); i += o.shard_count) indices.push_back(i);

  uint64_t done = 0;
  Tally tally;
  if (o.resume) {
    if (fs::exists(run_path)) {
      std::ifstream in(run_path);
      const nlohmann::json prev = nlohmann::json::parse(in, nullptr, false);
      if (prev.is_discarded() || prev.value("identity", nlohmann::json()) != identity) {
        throw std::runtime_error(
            run_path.string() +
            " belongs to a different run (seed, cases, shard or generator options differ)");
      }
    }
    done = std::min<uint64_t>(resume_results(results_path, tally), indices.size());
  } else if (fs::exists(results_path) && fs::file_size(results_path) > 0) {
    throw std::runtime_error(results_path.string() +
                             " exists: use --resume to continue it or choose another --out");
  }
  write_json(run_path, {{"identity", identity},
                        {"kind", "mxconf-run"},
                        {"version", 1},
                        {"provenance", run_provenance()}});

  std::ofstream results(results_path, o.resume ? std::ios::app : std::ios::trunc);
  if (!results) throw std::runtime_error("cannot write " + results_path.string());

  const auto start = clock_type::now();
  std::mutex mu;
  std::condition_variable cv;
  std::map<size_t, std::pair<CaseResult, std::optional<nlohmann::json>>>
      ready;  // position -> result
  std::atomic<size_t> next{size_t(done)};
  size_t written = size_t(done);  // guarded by mu
  std::atomic<bool> halt{false};

  auto out_of_time = [&] {
    if (o.stop && o.stop->load()) return true;
    return o.time_budget_seconds > 0 &&
           std::chrono::duration<double>(clock_type::now() - start).count() > o.time_budget_seconds;
  };

  auto worker = [&] {
    while (!halt.load()) {
      const size_t pos = next.fetch_add(1);
      if (pos >= indices.size()) break;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return pos < written + kMaxRunAhead || halt.load(); });
      }
      if (halt.load()) break;
      if (out_of_time()) {
        halt = true;
        cv.notify_all();
        break;
      }
      const uint64_t index = indices[pos];
      std::optional<generators::Case> c;
      CaseResult r;
      try {
        c = cases.at(index);
        r = run_case(*c, sut);
        r.name = cases.label(index, *c);
      } catch (const CaseUnavailable& e) {
        r.fingerprint = e.fingerprint;
        r.name = cases.label(index, {});
        r.set_error(e.stage, e.what());
      }
      r.index = index;
      std::optional<nlohmann::json> failure;
      // Cases from a generator shrink and are saved with a replay command; listed cases (check)
      // are their own record.
      if (!is_good(r.verdict) && c && cases.generator()) {
        const std::string sig = failure_signature(r);
        const generators::Case minimal =
            o.shrink ? shrink_case(
                           *c, cases.generator(), cases.seed(), index,
                           [&](const generators::Case& x) {
                             return failure_signature(run_case(x, sut)) == sig;
                           },
                           o.shrink_seconds)
                     : *c;
        const CaseResult mr = run_case(minimal, sut);
        const std::string fp = generators::fingerprint(minimal);
        const fs::path file = dir / "failures" / (fp + ".json");
        nlohmann::json record = {{"case", generators::to_json(minimal)},
                                 {"fingerprint", fp},
                                 {"original_fingerprint", r.fingerprint},
                                 {"original_index", index},
                                 {"verdict", name(mr.verdict)},
                                 {"tier", mr.failed_tier ? name(*mr.failed_tier) : ""},
                                 {"stage", mr.error_stage ? name(*mr.error_stage) : ""},
                                 {"message", mr.message},
                                 {"replay", o.replay_prefix + " " + file.string()}};
        write_json(file, record);
        failure = nlohmann::json{{"fingerprint", fp}, {"replay", record["replay"]}};
      }
      std::lock_guard<std::mutex> lock(mu);
      ready.emplace(pos, std::make_pair(std::move(r), std::move(failure)));
      cv.notify_all();
    }
  };

  std::vector<std::thread> threads;
  for (unsigned j = 0; j < o.jobs; ++j) threads.emplace_back(worker);

  // The writer: results leave in index order, one flushed line each, whatever --jobs is. A
  // failing case's line names its minimal case ("minimal": fingerprint and replay command).
  auto write_line = [&](std::pair<CaseResult, std::optional<nlohmann::json>>& entry) {
    nlohmann::json line = entry.first.to_json();
    if (entry.second) line["minimal"] = std::move(*entry.second);
    results << line.dump() << '\n';
    tally.add(line);
    ++written;
  };
  auto last_progress = clock_type::now();
  {
    std::unique_lock<std::mutex> lock(mu);
    while (written < indices.size()) {
      cv.wait_for(lock, std::chrono::milliseconds(200),
                  [&] { return ready.count(written) || halt.load(); });
      while (ready.count(written)) {
        auto node = ready.extract(written);
        write_line(node.mapped());
        results.flush();
        cv.notify_all();  // workers waiting on the run-ahead window
      }
      if (o.progress && clock_type::now() - last_progress > std::chrono::milliseconds(200)) {
        last_progress = clock_type::now();
        const double secs = std::chrono::duration<double>(last_progress - start).count();
        o.progress({{"done", written},
                    {"total", indices.size()},
                    {"counts", tally.counts},
                    {"cases_per_second", double(written - done) / std::max(secs, 1e-9)}});
      }
      if (halt.load() && !ready.count(written)) {
        // Wait for in-flight cases to land, then stop at the first gap.
        lock.unlock();
        for (auto& t : threads) {
          if (t.joinable()) t.join();
        }
        lock.lock();
        while (ready.count(written)) {
          auto node = ready.extract(written);
          write_line(node.mapped());
        }
        results.flush();
        break;
      }
    }
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  RunSummary s;
  for (const auto& [verdict, n] : tally.counts) {
    const std::optional<Verdict> v = parse_verdict(verdict);
    if (n > 0 && !(v && is_good(*v))) s.all_good = false;
  }
  s.json = {{"kind", "mxconf-run-summary"},
            {"version", 1},
            {"identity", identity},
            {"results", results_path.string()},
            {"cases_planned", indices.size()},
            {"cases_done", written},
            {"cases_this_session", written - done},
            {"complete", written == indices.size()},
            {"counts", tally.counts},
            {"seconds", secs},
            {"cases_per_second", double(written - done) / std::max(secs, 1e-9)},
            {"failures", tally.failures},
            {"ended_at", utc_now()}};
  write_json(dir / "summary.json", s.json);
  return s;
}

}  // namespace mxconf::runner

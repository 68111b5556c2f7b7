#include "mxconf/runner/run_loop.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "mxconf/io/atomic_output.h"
#include "mxconf/runner/run_case.h"
#include "mxconf/runner/shrink.h"
#include "mxconf/runner/symptom.h"
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
    // Drawn per case: no one rule to name (reports say "drawn per case").
    id["cast_rule"] = g->vary_cast_rule ? "per-case" : formats::name(g->cast_rule);
    id["max_k"] = int64_t(g->max_k_blocks) * 32;
    id["campaigns"] = campaigns;
    if (!g->weight_rules.empty()) {
      std::vector<std::string> rules;
      for (auto r : g->weight_rules) rules.emplace_back(formats::name(r));
      id["weight_rules"] = rules;
    }
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
  io::write_text_atomic(p.string(), j.dump(2) + "\n");
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
    if (v && !is_failure(*v)) return;  // pass, rejected-as-expected, unsupported
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

namespace {

// An exclusive lock on OUT/.lock for as long as a run writes into OUT: two runs into one
// directory would interleave (and corrupt) results.jsonl. The kernel drops the lock when the
// process dies, so a killed run never leaves OUT locked.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    const fs::path p = dir / ".lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("cannot open " + p.string() + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd_);
      fd_ = -1;
      if (e == EWOULDBLOCK)
        throw std::runtime_error(dir.string() + " is in use by another mxconf run (it holds " +
                                 p.string() + "); wait for it to finish or choose another --out");
      throw std::runtime_error("cannot lock " + p.string() + ": " + std::strerror(e));
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// A finished case waiting for its turn in results.jsonl, with its minimal case's record when it
// failed.
struct Finished {
  CaseResult result;
  std::optional<nlohmann::json> minimal;
  // Failed while a stop was under way: an external system it waited for was interrupted, so the
  // verdict says nothing about the system. Not written; --resume runs the case again.
  bool dropped = false;
};

// One run_campaign call, in named steps: open (check options, identity, resume), the workers
// (judge, shrink, save failures), the writer (results in index order), the summary.
class Campaign {
 public:
  Campaign(const CaseSource& cases, const SystemUnderTest& sut, const RunOptions& o)
      : cases_(cases), sut_(sut), o_(o), dir_(o.out_dir) {}

  RunSummary run() {
    open();
    start_ = clock_type::now();
    std::vector<std::thread> threads;
    for (unsigned j = 0; j < o_.jobs; ++j) threads.emplace_back([this] { work(); });
    write_in_order(threads);
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    if (!write_error_.empty()) {
      throw std::runtime_error(write_error_ + "; the run stopped after " +
                               std::to_string(written_) + " of " + std::to_string(indices_.size()) +
                               " cases: free space, then continue it with --resume");
    }
    return summarize();
  }

 private:
  // Options, this shard's indices, run.json, and (with --resume) what an earlier session wrote.
  void open() {
    if (o_.shard_count == 0 || o_.shard_index >= o_.shard_count)
      throw std::runtime_error("shard index " + std::to_string(o_.shard_index) +
                               " is not below the " + std::to_string(o_.shard_count) + " shards");
    if (o_.jobs == 0) throw std::runtime_error("--jobs must be at least 1");
    fs::create_directories(dir_ / "failures");
    lock_.emplace(dir_);
    const fs::path results_path = dir_ / "results.jsonl", run_path = dir_ / "run.json";
    identity_ = run_identity(cases_, sut_, o_);
    for (uint64_t i = o_.shard_index; i < cases_.size(); i += o_.shard_count) indices_.push_back(i);
    if (o_.resume) {
      if (fs::exists(run_path)) {
        std::ifstream in(run_path);
        const nlohmann::json prev = nlohmann::json::parse(in, nullptr, false);
        if (prev.is_discarded() || prev.value("identity", nlohmann::json()) != identity_) {
          throw std::runtime_error(
              run_path.string() +
              " belongs to a different run (seed, cases, shard or generator options differ)");
        }
      }
      done_ = std::min<uint64_t>(resume_results(results_path, tally_), indices_.size());
    } else if (fs::exists(results_path) && fs::file_size(results_path) > 0) {
      throw std::runtime_error(results_path.string() +
                               " exists: use --resume to continue it or choose another --out");
    }
    nlohmann::json provenance = run_provenance();
    if (const nlohmann::json v = sut_.versions(); !v.is_null()) provenance["sut_versions"] = v;
    provenance["require"] = name(o_.judge.require);
    write_json(run_path, {{"identity", identity_},
                          {"kind", "mxconf-run"},
                          {"version", 1},
                          {"provenance", provenance}});
    results_.open(results_path, o_.resume ? std::ios::app : std::ios::trunc);
    if (!results_) throw std::runtime_error("cannot write " + results_path.string());
    next_ = size_t(done_);
    written_ = size_t(done_);
  }

  bool stopping() const { return o_.stop && o_.stop->load(); }

  bool out_of_time() const {
    if (o_.stop && o_.stop->load()) return true;
    return o_.time_budget_seconds > 0 &&
           std::chrono::duration<double>(clock_type::now() - start_).count() >
               o_.time_budget_seconds;
  }

  // A worker: takes the next position, waits for room in the run-ahead window, judges the case.
  void work() {
    while (!halt_.load()) {
      const size_t pos = next_.fetch_add(1);
      if (pos >= indices_.size()) break;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return pos < written_ + kMaxRunAhead || halt_.load(); });
      }
      if (halt_.load()) break;
      if (out_of_time()) {
        halt_ = true;
        cv_.notify_all();
        break;
      }
      Finished f = judge(indices_[pos]);
      std::lock_guard<std::mutex> lock(mu_);
      if (f.dropped) {
        halt_ = true;  // the writer stops at this gap
        cv_.notify_all();
        break;
      }
      ready_.emplace(pos, std::move(f));
      cv_.notify_all();
    }
  }

  // Case `index`: its result, and for a failure of a generated case a replayable file.
  Finished judge(uint64_t index) {
    std::optional<generators::Case> c;
    Finished f;
    CaseResult& r = f.result;
    try {
      c = cases_.at(index);
      r = run_case(*c, sut_, o_.judge);
      r.name = cases_.label(index, *c);
    } catch (const CaseUnavailable& e) {
      r.fingerprint = e.fingerprint;
      r.name = cases_.label(index, {});
      r.set_error(e.stage, e.what());
    }
    r.index = index;
    if (is_failure(r.verdict) && stopping()) {
      f.dropped = true;
      // Not evidence of anything: the external system was interrupted, not wrong.
      std::error_code ec;
      if (r.sut.is_object() && r.sut.contains("work_dir") && r.sut["work_dir"].is_string())
        fs::remove_all(r.sut["work_dir"].get<std::string>(), ec);
      return f;
    }
    // Generated cases and case files are saved with a replay command; a package's tests (check)
    // are their own record.
    if (is_failure(r.verdict) && c && cases_.saves_failures())
      f.minimal = save_failure(*c, r, index);
    if (is_failure(r.verdict) && stopping()) f.dropped = true;  // shrinking was interrupted
    return f;
  }

  // Whether this failure is the one its symptom is shrunk through: the first of its symptom,
  // while the run's shrink budget lasts.
  bool shrink_this(const std::string& sym) {
    if (!o_.shrink || stopping()) return false;
    std::lock_guard<std::mutex> lock(shrink_mu_);
    if (shrink_spent_ >= o_.shrink_budget_seconds) return false;
    return shrunk_symptoms_.insert(sym).second;
  }

  // The failure as a replayable file: shrunk if it represents its symptom, else as it is (its
  // verdict is known already; an external system is not run again for it).
  nlohmann::json save_failure(const generators::Case& c, const CaseResult& r, uint64_t index) {
    generators::Case minimal = c;
    CaseResult mr = r;
    if (shrink_this(symptom(r))) {
      const auto started = clock_type::now();
      double left;
      {
        std::lock_guard<std::mutex> lock(shrink_mu_);
        left = o_.shrink_budget_seconds - shrink_spent_;
      }
      const std::string sig = failure_signature(r);
      minimal = shrink_case(
          c, cases_.generator(), cases_.seed(), index,
          [&](const generators::Case& x) {
            return !stopping() && failure_signature(run_case(x, sut_, o_.judge)) == sig;
          },
          std::min(o_.shrink_seconds, left));
      if (!(minimal == c)) mr = run_case(minimal, sut_, o_.judge);
      std::lock_guard<std::mutex> lock(shrink_mu_);
      shrink_spent_ += std::chrono::duration<double>(clock_type::now() - started).count();
    }
    const std::string fp = generators::fingerprint(minimal);
    const fs::path file = dir_ / "failures" / (fp + ".json");
    const nlohmann::json record = {{"case", generators::to_json(minimal)},
                                   {"fingerprint", fp},
                                   {"original_fingerprint", r.fingerprint},
                                   {"original_index", index},
                                   {"verdict", name(mr.verdict)},
                                   {"tier", mr.failed_tier ? name(*mr.failed_tier) : ""},
                                   {"stage", mr.error_stage ? name(*mr.error_stage) : ""},
                                   {"message", mr.message},
                                   {"symptom", symptom(mr)},
                                   {"shrunk", !(minimal == c)},
                                   {"replay", o_.replay_prefix + " " + file.string()}};
    write_json(file, record);
    return {{"fingerprint", fp}, {"replay", record["replay"]}};
  }

  // The writer: results leave in index order, one flushed line each, whatever --jobs is. A
  // failing case's line names its minimal case ("minimal": fingerprint and replay command).
  void write_in_order(std::vector<std::thread>& threads) {
    auto last_progress = clock_type::now();
    std::unique_lock<std::mutex> lock(mu_);
    while (written_ < indices_.size()) {
      cv_.wait_for(lock, std::chrono::milliseconds(200),
                   [&] { return ready_.count(written_) || halt_.load(); });
      while (ready_.count(written_) && write_error_.empty()) {
        write_line(ready_.extract(written_).mapped());
        results_.flush();
        if (!results_) stop_on_write_error();
        cv_.notify_all();  // workers waiting on the run-ahead window
      }
      if (o_.progress && clock_type::now() - last_progress > std::chrono::milliseconds(200)) {
        last_progress = clock_type::now();
        const double secs = std::chrono::duration<double>(last_progress - start_).count();
        o_.progress({{"done", written_},
                     {"total", indices_.size()},
                     {"counts", tally_.counts},
                     {"cases_per_second", double(written_ - done_) / std::max(secs, 1e-9)}});
      }
      if (halt_.load() && (!ready_.count(written_) || !write_error_.empty())) {
        // Wait for in-flight cases to land, then stop at the first gap.
        lock.unlock();
        for (auto& t : threads) {
          if (t.joinable()) t.join();
        }
        lock.lock();
        while (ready_.count(written_) && write_error_.empty()) {
          write_line(ready_.extract(written_).mapped());
          results_.flush();
          if (!results_) stop_on_write_error();
        }
        break;
      }
    }
  }

  // A write to results.jsonl failed (disk full, a file size limit, an I/O error): the workers
  // stop, and what reached the file before stays a resumable prefix (resume drops a torn line).
  void stop_on_write_error() {
    write_error_ =
        "cannot write " + (dir_ / "results.jsonl").string() + " (" + std::strerror(errno) + ")";
    if (written_ > 0) --written_;  // the line that failed is not counted as written
    halt_ = true;
  }

  void write_line(Finished& f) {
    nlohmann::json line = f.result.to_json();
    if (f.minimal) line["minimal"] = std::move(*f.minimal);
    results_ << line.dump() << '\n';
    tally_.add(line);
    ++written_;
  }

  RunSummary summarize() {
    const double secs = std::chrono::duration<double>(clock_type::now() - start_).count();
    RunSummary s;
    for (const auto& [verdict, n] : tally_.counts) {
      const std::optional<Verdict> v = parse_verdict(verdict);
      if (n > 0 && !(v && !is_failure(*v))) s.all_good = false;
    }
    s.json = {{"kind", "mxconf-run-summary"},
              {"version", 1},
              {"identity", identity_},
              {"results", (dir_ / "results.jsonl").string()},
              {"cases_planned", indices_.size()},
              {"cases_done", written_},
              {"cases_this_session", written_ - done_},
              {"complete", written_ == indices_.size()},
              {"counts", tally_.counts},
              {"seconds", secs},
              {"cases_per_second", double(written_ - done_) / std::max(secs, 1e-9)},
              {"failures", tally_.failures},
              {"ended_at", utc_now()}};
    write_json(dir_ / "summary.json", s.json);
    return s;
  }

  const CaseSource& cases_;
  const SystemUnderTest& sut_;
  const RunOptions& o_;
  const fs::path dir_;
  nlohmann::json identity_;
  std::vector<uint64_t> indices_;  // this shard's case indices, in order
  uint64_t done_ = 0;              // results already in the file (resume)
  Tally tally_;
  std::optional<DirLock> lock_;  // held from open() to the end of the run
  std::ofstream results_;
  std::string write_error_;  // guarded by mu_; set once, stops the run
  clock_type::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<size_t, Finished> ready_;  // position -> finished case
  std::atomic<size_t> next_{0};
  size_t written_ = 0;  // guarded by mu_
  std::atomic<bool> halt_{false};
  std::mutex shrink_mu_;
  std::set<std::string> shrunk_symptoms_;  // guarded by shrink_mu_
  double shrink_spent_ = 0;                // seconds, guarded by shrink_mu_
};

}  // namespace

RunSummary run_campaign(const CaseSource& cases, const SystemUnderTest& sut, const RunOptions& o) {
  return Campaign(cases, sut, o).run();
}

}  // namespace mxconf::runner

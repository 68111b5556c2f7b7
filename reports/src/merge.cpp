#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include "mxconf/io/atomic_output.h"
#include "mxconf/reports/merge_diff.h"

namespace mxconf::reports {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_run_json(const std::string& dir) {
  std::ifstream in(dir + "/run.json");
  if (!in) throw std::runtime_error(dir + ": no run.json (not a run directory)");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("identity"))
    throw std::runtime_error(dir + "/run.json: not an mxconf run description");
  return j;
}

// The identity with the shard index taken out: what every shard of one run shares.
nlohmann::json shared_identity(nlohmann::json id) {
  id["shard"].erase("index");
  return id;
}

}  // namespace

void merge_runs(const std::vector<std::string>& shard_dirs, const std::string& out_dir,
                std::vector<std::string>* warnings) {
  if (shard_dirs.empty()) throw std::runtime_error("merge: no shard directories given");
  const size_t n = shard_dirs.size();
  std::vector<std::string> by_index(n);
  nlohmann::json first_run, shared;
  for (const std::string& dir : shard_dirs) {
    const nlohmann::json run = read_run_json(dir);
    const nlohmann::json& id = run["identity"];
    const uint64_t count = id["shard"].value("count", uint64_t{0});
    // Shards count from 1 to N (run.json records the --shard I/N given).
    const uint64_t shard = id["shard"].value("index", uint64_t{0});
    if (count != n)
      throw std::runtime_error(dir + " is shard " + std::to_string(shard) + " of " +
                               std::to_string(count) + ", but " + std::to_string(n) +
                               " directories were given");
    if (shard < 1 || shard > count)
      throw std::runtime_error(dir + "/run.json: shard " + std::to_string(shard) + " of " +
                               std::to_string(count) + " is not in 1.." + std::to_string(count));
    const uint64_t index = shard - 1;
    if (shared.is_null()) {
      shared = shared_identity(id);
      first_run = run;
    } else if (shared_identity(id) != shared) {
      throw std::runtime_error(dir +
                               " belongs to a different run (seed, cases or options differ from " +
                               shard_dirs.front() + ")");
    }
    if (!by_index[index].empty())
      throw std::runtime_error(dir + " and " + by_index[index] + " are both shard " +
                               std::to_string(shard));
    by_index[index] = dir;
  }
  const uint64_t cases = shared.value("cases", uint64_t{0});

  fs::create_directories(out_dir);
  if (fs::exists(out_dir + "/results.jsonl"))
    throw std::runtime_error(out_dir + "/results.jsonl exists: choose an empty output directory");
  std::vector<std::unique_ptr<std::ifstream>> in;
  for (const std::string& dir : by_index) {
    in.push_back(std::make_unique<std::ifstream>(dir + "/results.jsonl", std::ios::binary));
    if (!*in.back()) throw std::runtime_error(dir + "/results.jsonl: cannot open");
  }
  // Case i is the next line of shard i % n; stop at the first case a shard does not have.
  const std::string tmp = out_dir + "/.results.jsonl.merging";
  std::map<std::string, uint64_t> counts;
  uint64_t written = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    std::string line;
    for (uint64_t i = 0; i < cases; ++i) {
      std::ifstream& s = *in[i % n];
      const std::string& dir = by_index[i % n];
      if (!std::getline(s, line)) break;
      if (s.eof()) {
        if (warnings) warnings->push_back(dir + "/results.jsonl: incomplete last line skipped");
        break;
      }
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("index", ~uint64_t{0}) != i) {
        fs::remove(tmp);
        throw std::runtime_error(dir + "/results.jsonl: expected the result of case " +
                                 std::to_string(i) + " here");
      }
      ++counts[j.value("verdict", "?")];
      out << line << '\n';
      ++written;
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  if (written < cases && warnings)
    warnings->push_back("merged " + std::to_string(written) + " of " + std::to_string(cases) +
                        " cases: the shards stop before case " + std::to_string(written));
  nlohmann::json run = first_run;
  run["identity"]["shard"] = {{"index", 1}, {"count", 1}};
  run["merged_from"] = by_index;
  const nlohmann::json summary = {{"kind", "mxconf-run-summary"},
                                  {"version", 1},
                                  {"identity", run["identity"]},
                                  {"cases_planned", cases},
                                  {"cases_done", written},
                                  {"complete", written == cases},
                                  {"counts", counts},
                                  {"merged_from", by_index}};
  io::AtomicOutputs meta;
  const std::string run_text = run.dump(2) + "\n", summary_text = summary.dump(2) + "\n";
  meta.stage(out_dir + "/run.json",
             {reinterpret_cast<const uint8_t*>(run_text.data()), run_text.size()});
  meta.stage(out_dir + "/summary.json",
             {reinterpret_cast<const uint8_t*>(summary_text.data()), summary_text.size()});
  fs::rename(tmp, out_dir + "/results.jsonl");
  meta.commit();
}

}  // namespace mxconf::reports

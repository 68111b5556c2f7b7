#!/usr/bin/env bash
# Fuzzing in CI: build the libFuzzer targets (fuzz preset: clang-14, ASan + UBSan), run each for
# a time budget from the checked-in seeds plus a working corpus, merge new coverage into that
# corpus (-merge=1), minimize every crash into corpus/regressions/<target>/, and write JSON and
# JUnit summaries. Exits non-zero if any target crashed.
#
#   scripts/fuzz-ci.sh [--seconds N] [--jobs J] [--out DIR] [--targets T ...]
#
# Defaults: 30 s per target, 1 job, out/fuzz. The working corpus (DIR/corpus/<target>) persists
# between runs; a nightly job can keep it and merge it back with scripts/make-seed-corpora.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=30
jobs=1
out=$root/out/fuzz
all_targets=(fuzz_tosa_load fuzz_case_json fuzz_pipeline fuzz_block_cast fuzz_roundtrip fuzz_npy)
targets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --targets)
      shift
      while [[ $# -gt 0 && $1 != --* ]]; do targets+=("$1"); shift; done ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fuzz-ci: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz-ci: --seconds must be a positive integer" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || { echo "fuzz-ci: --jobs must be a positive integer" >&2; exit 2; }
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz-ci: unknown target '$t'" >&2; exit 2; }
done

cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]}"
bin=$root/build/fuzz/fuzz
mkdir -p "$out"

# One target: fuzz into a fresh directory, merge what is new into the working corpus, and turn a
# crash into a minimized regression. Leaves "$out/$t.result" as key=value lines.
fuzz_one() {
  local t=$1 work=$out/corpus/$1 fresh=$out/new/$1 art=$out/artifacts/$1/ log=$out/$1.log
  rm -rf "$fresh" "$art"
  mkdir -p "$work" "$fresh" "$art"
  local rc=0
  # fuzz_pipeline writes the case of a finding (a replayable case.json) next to the crash input.
  MXCONF_FUZZ_CASE_DIR="$art" \
  "$bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$root/fuzz/$t.dict" -artifact_prefix="$art" "$fresh" "$work" "$root/corpus/$t" \
    >"$log" 2>&1 || rc=$?
  "$bin/$t" -merge=1 "$work" "$fresh" >"$out/$t.merge.log" 2>&1 || true
  local execs rate cov ft crash=""
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  crash=$(find "$art" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | head -1)
  local regression=""
  if [[ -n $crash ]]; then
    local small=$art/minimized
    "$bin/$t" -minimize_crash=1 -runs=20000 -exact_artifact_path="$small" "$crash" \
      >"$out/$t.minimize.log" 2>&1 || true
    [[ -s $small ]] || cp "$crash" "$small"
    mkdir -p "$root/corpus/regressions/$t"
    regression=corpus/regressions/$t/$(basename "$crash")
    cp "$small" "$root/$regression"
  fi
  # A fuzzer that exits non-zero without an artifact (it could not start, a bad flag) fails too.
  [[ -n $crash || $rc -eq 0 ]] || crash="exit-status-$rc"
  {
    echo "target=$t"
    echo "rc=$rc"
    echo "execs=${execs:-0}"
    echo "exec_per_s=${rate:-0}"
    echo "coverage=${cov:-0}"
    echo "features=${ft:-0}"
    echo "corpus_files=$(find "$work" -type f | wc -l)"
    echo "corpus_bytes=$(du -sb "$work" | cut -f1)"
    echo "crash=${crash:+$(basename "$crash")}"
    echo "regression=$regression"
  } >"$out/$t.result"
}

running=0
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

# Summaries: JSON (one object per target) and JUnit XML (one testcase per target).
crashes=0
json="{\"seconds_per_target\": $seconds, \"targets\": ["
junit=""
sep=""
for t in "${targets[@]}"; do
  declare -A r=()
  while IFS='=' read -r k v; do r[$k]=$v; done <"$out/$t.result"
  json+="$sep{\"target\": \"$t\", \"execs\": ${r[execs]}, \"exec_per_s\": ${r[exec_per_s]}, \"coverage\": ${r[coverage]}, \"features\": ${r[features]}, \"corpus_files\": ${r[corpus_files]}, \"corpus_bytes\": ${r[corpus_bytes]}, \"crash\": \"${r[crash]}\", \"regression\": \"${r[regression]}\"}"
  sep=", "
  printf '%-16s %9s execs %7s exec/s  cov %5s  ft %6s  corpus %4s files  %s\n' "$t" "${r[execs]}" \
    "${r[exec_per_s]}" "${r[coverage]}" "${r[features]}" "${r[corpus_files]}" \
    "${r[crash]:+CRASH ${r[regression]}}"
  junit+="  <testcase classname=\"fuzz\" name=\"$t\" time=\"$seconds\">"
  if [[ -n ${r[crash]} ]]; then
    crashes=$((crashes + 1))
    junit+="<failure message=\"crash ${r[crash]}\">replay: build/default/fuzz/${t}_replay ${r[regression]}"
    junit+=" (or build/fuzz/fuzz/$t ${r[regression]}); log: $out/$t.log</failure>"
  fi
  junit+="</testcase>"$'\n'
  unset r
done
json+="], \"crashes\": $crashes}"
printf '%s\n' "$json" >"$out/summary.json.tmp" && mv "$out/summary.json.tmp" "$out/summary.json"
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<testsuites><testsuite name=\"fuzz-ci\" tests=\"${#targets[@]}\" failures=\"$crashes\">"
  printf '%s' "$junit"
  echo "</testsuite></testsuites>"
} >"$out/junit.xml.tmp" && mv "$out/junit.xml.tmp" "$out/junit.xml"
echo "fuzz-ci: ${#targets[@]} target(s), $seconds s each, $crashes crash(es); summaries in $out/summary.json and $out/junit.xml"
[[ $crashes -eq 0 ]]

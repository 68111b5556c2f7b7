#!/usr/bin/env bash
# The nightly conformance run (docs/nightly.md): a Release build, the nightly campaign (every
# value campaign, 10% invalid cases) as parallel local shards, merged, reported in every format
# and diffed against reports/baseline.json with reports/xfail.json.
#
#   scripts/nightly.sh [--cases N] [--seed S] [--shards K]        all shards on this machine
#   scripts/nightly.sh --shard I/N [--cases N] [--seed S]         one shard of a CI matrix
#   scripts/nightly.sh --merge DIR...                             gather a matrix's shards
#   options: --work DIR (shard run directories; default out/nightly-work)
#            --out DIR  (report root; default reports/nightly)
#            --update-baseline (after the run, make its report the new baseline)
#
# Writes OUT/<date>/ (report.json, junit.xml, summary.md, report.html, diff.json) and points
# OUT/latest at it. Exit status: that of `mxconf report diff` (non-zero for new failures and for
# known failures that now pass), or of the first step that failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cases=200000
seed=$(date -u +%Y%m%d)
shards=$(nproc)
shard=""
merge_dirs=()
work=$root/out/nightly-work
out=$root/reports/nightly
update_baseline=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --cases) cases=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --shard) shard=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --update-baseline) update_baseline=1; shift ;;
    --merge)
      shift
      while [[ $# -gt 0 && $1 != --* ]]; do merge_dirs+=("$1"); shift; done
      [[ ${#merge_dirs[@]} -gt 0 ]] || { echo "nightly: --merge needs shard directories" >&2; exit 2; } ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "nightly: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $cases =~ ^[0-9]+$ && $cases -ge 1 ]] || { echo "nightly: --cases must be a positive integer" >&2; exit 2; }
[[ $shards =~ ^[0-9]+$ && $shards -ge 1 ]] || { echo "nightly: --shards must be a positive integer" >&2; exit 2; }

"$root/scripts/setup.sh" >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target mxconf
mxconf=$root/build/release/tools/mxconf
date_dir=$(date -u +%Y-%m-%d)
run_args=(--cases "$cases" --seed "$seed" --invalid-fraction 0.1 --jobs 1)

run_shard() {  # I N
  local dir=$work/$seed/shard-$1-of-$2
  # --resume: a re-run after an interruption continues where the shard stopped.
  local resume=()
  [[ -f $dir/run.json ]] && resume=(--resume)
  "$mxconf" run "${run_args[@]}" --shard "$1/$2" --out "$dir" "${resume[@]}" >"$dir.log" 2>&1 || true
  [[ -f $dir/summary.json ]] || { echo "nightly: shard $1/$2 wrote no summary (see $dir.log)" >&2; return 1; }
  echo "$dir"
}

mkdir -p "$work/$seed"
if [[ -n $shard ]]; then
  [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] || { echo "nightly: --shard must be I/N" >&2; exit 2; }
  if (( BASH_REMATCH[1] < 1 || BASH_REMATCH[1] > BASH_REMATCH[2] )); then
    echo "nightly: --shard I/N counts from 1 to N (the first of 4 is --shard 1/4)" >&2; exit 2
  fi
  dir=$(run_shard "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
  echo "nightly: shard done in $dir (gather the shards with --merge)"
  exit 0
fi
if [[ ${#merge_dirs[@]} -eq 0 ]]; then
  pids=()
  for ((i = 1; i <= shards; i++)); do
    run_shard "$i" "$shards" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for ((i = 1; i <= shards; i++)); do merge_dirs+=("$work/$seed/shard-$i-of-$shards"); done
fi

merged=$work/$seed/merged-$(date -u +%H%M%S)
"$mxconf" report merge "${merge_dirs[@]}" -o "$merged"
report_dir=$out/$date_dir
rm -rf "$report_dir.tmp"
"$mxconf" report "$merged" --xfail "$root/reports/xfail.json" -o "$report_dir.tmp" ||
  true  # exit 1 just means failures exist
status=0
"$mxconf" report diff --baseline "$root/reports/baseline.json" --xfail "$root/reports/xfail.json" \
  -o "$report_dir.tmp/diff.json" "$report_dir.tmp/report.json" || status=$?
rm -rf "$report_dir"
mv "$report_dir.tmp" "$report_dir"
ln -sfn "$date_dir" "$out/latest"
if [[ $update_baseline == 1 ]]; then
  cp "$report_dir/report.json" "$root/reports/baseline.json"
  echo "nightly: reports/baseline.json updated from $report_dir"
fi
echo "nightly: reports in $report_dir (also $out/latest); diff exit status $status"
exit "$status"

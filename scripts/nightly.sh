#!/usr/bin/env bash
# The nightly conformance run (docs/nightly.md): a Release build, the nightly campaign (every
# value campaign, 10% invalid cases) as parallel local shards, merged, reported in every format
# and diffed against reports/baseline.json with reports/xfail.json.
#
#   scripts/nightly.sh [--cases N] [--seed S] [--shards K]        all shards on this machine
#   scripts/nightly.sh --shard I/N [--cases N] [--seed S]         one shard of a CI matrix
#   scripts/nightly.sh --merge DIR... [--pair-shards DIR...]      gather a matrix's shards
#   scripts/nightly.sh --sut PAIR --shard I/N [--sut-cases N] [--et-cases N]
#                                                                 one shard of one pair (a CI
#                                                                 matrix job: .github/workflows/nightly.yml)
#   options: --work DIR (shard run directories; default out/nightly-work)
#            --out DIR  (report root; default reports/nightly)
#            --update-baseline (after the run, make its report the new baseline)
#            --sut PAIR[,PAIR...]  also judge external systems (sut/pairs.sh names them, with
#                       versions: executorch@1.5.1+refmodel@2026.8.0; "pinned" for the pinned
#                       versions' pairs, "newest" for the newer versions', "all" for both): per pair a run, its report with reports/pairs/PAIR/xfail.json
#                       and a diff against reports/pairs/PAIR/baseline.json when there is one; an
#                       exported package run by the reference model and graded; the conformance
#                       matrix of all pairs (OUT/<date>/matrix/); TOSA's full MX conformance
#                       suite with mxconf as SUT (scripts/test-tosa-cts.sh --full, OUT/<date>/tosa-cts/);
#                       broken graphs fed to the external loaders (scripts/probe-loaders.sh,
#                       OUT/<date>/robustness/).
#                       Needs scripts/setup-sut.sh --all.
#            --sut-cases N (default 20000) --et-cases N (pairs through ExecuTorch; default 2000)
#            --pair-shards DIR...  with --merge: the pairs' shard directories
#                       (WORK/SEED/pairs/PAIR/shard-I-of-N, from --sut PAIR --shard I/N), merged
#                       per pair and reported like a local run; the package and TOSA's suite are
#                       not run then (the workflow runs them as jobs of their own)
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
pair_shard_dirs=()
work=$root/out/nightly-work
out=$root/reports/nightly
update_baseline=0
sut_pairs=""
sut_cases=20000
et_cases=2000
while [[ $# -gt 0 ]]; do
  case $1 in
    --cases) cases=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --shard) shard=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --update-baseline) update_baseline=1; shift ;;
    --sut) sut_pairs=$2; shift 2 ;;
    --sut-cases) sut_cases=$2; shift 2 ;;
    --et-cases) et_cases=$2; shift 2 ;;
    --merge)
      shift
      while [[ $# -gt 0 && $1 != --* ]]; do merge_dirs+=("$1"); shift; done
      [[ ${#merge_dirs[@]} -gt 0 ]] || { echo "nightly: --merge needs shard directories" >&2; exit 2; } ;;
    --pair-shards)
      shift
      while [[ $# -gt 0 && $1 != --* ]]; do pair_shard_dirs+=("$1"); shift; done
      [[ ${#pair_shard_dirs[@]} -gt 0 ]] || { echo "nightly: --pair-shards needs shard directories" >&2; exit 2; } ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "nightly: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $cases =~ ^[0-9]+$ && $cases -ge 1 ]] || { echo "nightly: --cases must be a positive integer" >&2; exit 2; }
[[ $shards =~ ^[0-9]+$ && $shards -ge 1 ]] || { echo "nightly: --shards must be a positive integer" >&2; exit 2; }
# shellcheck source=../sut/pairs.sh
source "$root/sut/pairs.sh"
pairs=()
if [[ ${#pair_shard_dirs[@]} -gt 0 ]]; then
  [[ ${#merge_dirs[@]} -gt 0 && -z $sut_pairs ]] || { echo "nightly: --pair-shards goes with --merge, without --sut" >&2; exit 2; }
  for d in "${pair_shard_dirs[@]}"; do
    [[ -f $d/run.json ]] || { echo "nightly: --pair-shards: $d is not a run directory (no run.json)" >&2; exit 2; }
    p=$(basename "$(dirname "$d")")
    n=$(pair_name "$p") || exit 2
    [[ $n == "$p" ]] || { echo "nightly: --pair-shards: $d: '$p' is not a full pair name" >&2; exit 2; }
    [[ " ${pairs[*]} " == *" $p "* ]] || pairs+=("$p")
  done
fi
if [[ -n $sut_pairs ]]; then
  case $sut_pairs in
    all) sut_pairs=$(IFS=,; echo "${PAIRS[*]:1}") ;;
    pinned) sut_pairs=$(IFS=,; echo "${PINNED_PAIRS[*]:1}") ;;
    newest) sut_pairs=$(IFS=,; echo "${NEWEST_PAIRS[*]}") ;;
  esac
  IFS=, read -ra given <<<"$sut_pairs"
  # Every pair under the name that spells out its versions (reports and xfail lists use it).
  for p in "${given[@]}"; do n=$(pair_name "$p") || exit 2; pairs+=("$n"); done
  "$root/scripts/setup-sut.sh" --all >/dev/null
fi

"$root/scripts/setup.sh" >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target mxconf
mxconf=$root/build/release/tools/mxconf
# The converter's pairs run mxconf exec behind the converter (sut/model_converter/): this build.
export MXCONF_BIN=$mxconf
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
  if [[ ${#pairs[@]} -gt 0 ]]; then
    # One shard of each named pair (a matrix job names one): WORK/SEED/pairs/PAIR/shard-I-of-N.
    for pair in "${pairs[@]}"; do
      [[ $pair == mxconf ]] && continue
      mapfile -t flags < <(pair_flags "$pair")
      n=$sut_cases
      [[ $pair == executorch* ]] && n=$et_cases
      dir=$work/$seed/pairs/$pair/shard-${BASH_REMATCH[1]}-of-${BASH_REMATCH[2]}
      mkdir -p "$(dirname "$dir")"
      resume=()
      [[ -f $dir/run.json ]] && resume=(--resume)
      (cd "$root" && "$mxconf" run --cases "$n" --seed "$seed" --invalid-fraction 0.1 --jobs "$(nproc)" \
        --shard "$shard" --out "$dir" "${resume[@]}" "${flags[@]}") >"$dir.log" 2>&1 || true
      [[ -f $dir/summary.json ]] || { echo "nightly: $pair shard $shard wrote no summary (see $dir.log)" >&2; exit 1; }
      echo "nightly: $pair shard done in $dir (gather with --merge ... --pair-shards)"
    done
    exit 0
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

# External systems: one run per pair (its jobs in parallel, each with a worker), reported with the
# pair's known failures and diffed against its baseline; then the matrix of every pair.
matrix=("mxconf=$merged")
# Both ExecuTorch pairs lower the same models with the same seed: each is lowered once.
export MXCONF_ET_LOWERING_CACHE=$work/$seed/et-lowering-cache
for pair in "${pairs[@]}"; do
  [[ $pair == mxconf ]] && continue
  mapfile -t flags < <(pair_flags "$pair")
  n=$sut_cases
  [[ $pair == executorch* ]] && n=$et_cases
  dir=$work/$seed/pairs/$pair
  if [[ ${#pair_shard_dirs[@]} -gt 0 ]]; then
    shards_of_pair=()
    for d in "${pair_shard_dirs[@]}"; do
      [[ $(basename "$(dirname "$d")") == "$pair" ]] && shards_of_pair+=("$d")
    done
    dir=$work/$seed/pairs-merged/$pair
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    "$mxconf" report merge "${shards_of_pair[@]}" -o "$dir" >"$dir.log" 2>&1 || true
  else
    resume=()
    [[ -f $dir/run.json ]] && resume=(--resume)
    mkdir -p "$(dirname "$dir")"
    (cd "$root" && "$mxconf" run --cases "$n" --seed "$seed" --invalid-fraction 0.1 --jobs "$(nproc)" \
      --out "$dir" "${resume[@]}" "${flags[@]}") >"$dir.log" 2>&1 || true
  fi
  [[ -f $dir/summary.json ]] || { echo "nightly: $pair wrote no summary (see $dir.log)" >&2; status=1; continue; }
  xfail=()
  [[ -f $root/reports/pairs/$pair/xfail.json ]] && xfail=(--xfail "$root/reports/pairs/$pair/xfail.json")
  # Without a baseline, a failure the pair's xfail list does not know fails the night.
  pair_report=0
  "$mxconf" report "$dir" "${xfail[@]}" -o "$report_dir.tmp/pairs/$pair" || pair_report=1
  if [[ ! -f $root/reports/pairs/$pair/baseline.json ]]; then
    [[ $pair_report == 0 ]] || { echo "nightly: $pair has failures its xfail list does not know" >&2; status=1; }
  else
    "$mxconf" report diff --baseline "$root/reports/pairs/$pair/baseline.json" "${xfail[@]}" \
      -o "$report_dir.tmp/pairs/$pair/diff.json" "$report_dir.tmp/pairs/$pair/report.json" || status=1
  fi
  matrix+=("$pair=$dir")
done
if [[ ${#pairs[@]} -gt 0 ]]; then
  "$mxconf" report pairs "${matrix[@]}" -o "$report_dir.tmp/matrix"
fi
if [[ ${#pairs[@]} -gt 0 && ${#pair_shard_dirs[@]} -eq 0 ]]; then
  # A package as a hardware team would take it: exported, run offline by the reference model,
  # graded by mxconf check and by tosa-tools' own tosa_verify, side by side.
  pkg=$work/$seed/package
  rm -rf "$pkg"
  "$mxconf" export --cases 300 --seed "$seed" --invalid-fraction 0.1 --out "$pkg/tests" >/dev/null
  (cd "$root" && sut/tosa_reference_model/run-package "$pkg/tests" "$pkg/results" --verify "$pkg/verify.jsonl") ||
    status=1
  "$mxconf" check "$pkg/tests" --results "$pkg/results" --jobs "$(nproc)" --out "$pkg/check" >/dev/null || true
  "$mxconf" report "$pkg/check" --xfail "$root/reports/pairs/$(pair_name mxconf+refmodel)/xfail.json" \
    -o "$report_dir.tmp/package" || status=1
  (cd "$root" && sut/tosa_reference_model/compare-verify "$pkg/check" "$pkg/verify.jsonl" \
    -o "$report_dir.tmp/package/compare-verify.md") || true
  # TOSA's own conformance suite, every generated MX test of all six operators, with mxconf as
  # the SUT (the CI runs a fixed subset). Per-operator counts land beside the reports.
  mkdir -p "$report_dir.tmp/tosa-cts"
  (cd "$root" && scripts/test-tosa-cts.sh --full --out "$work/$seed/tosa-cts") || status=1
  cp "$work/$seed/tosa-cts/summary.txt" "$report_dir.tmp/tosa-cts/" 2>/dev/null || true
  # Robustness of the external loaders: broken graphs fed to each installed converter and
  # reference model, 10 minutes each (scripts/probe-loaders.sh). Report only.
  (cd "$root" && scripts/probe-loaders.sh --seconds 600 --seed "$seed" --out "$work/$seed/robustness") ||
    true
  mkdir -p "$report_dir.tmp/robustness"
  for f in "$work/$seed"/robustness/*/summary.json; do
    if [[ -f $f ]]; then cp "$f" "$report_dir.tmp/robustness/$(basename "$(dirname "$f")").json"; fi
  done
fi
rm -rf "$report_dir"
mv "$report_dir.tmp" "$report_dir"
ln -sfn "$date_dir" "$out/latest"
if [[ $update_baseline == 1 ]]; then
  cp "$report_dir/report.json" "$root/reports/baseline.json"
  for pair in "${pairs[@]}"; do
    [[ -f $report_dir/pairs/$pair/report.json ]] &&
      cp "$report_dir/pairs/$pair/report.json" "$root/reports/pairs/$pair/baseline.json"
  done
  echo "nightly: reports/baseline.json updated from $report_dir"
fi
echo "nightly: reports in $report_dir (also $out/latest); diff exit status $status"
exit "$status"

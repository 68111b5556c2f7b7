#!/usr/bin/env bash
# The main job: installs dependencies, builds (Release), then
#   1. the quantization self-check (formats/ against the oracle, bit for bit), and
#   2. the default conformance campaign: every value campaign, 10% invalid cases, 20,000 cases,
#      on all cores,
# and prints where the results are. Exit 0 only if both pass.
#   scripts/run-conformance.sh [--out DIR] [--cases N] [--seed S] [--jobs J]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="out/conformance/$(date -u +%Y%m%dT%H%M%SZ)"
CASES=20000
SEED=1
JOBS=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run-conformance: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake --preset release -DMXCONF_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release -j "$(nproc)" --target mxconf
MXCONF=build/release/tools/mxconf

status=0
"$MXCONF" selfcheck --blocks 100000 --seed "$SEED" --out "$OUT/selfcheck" || status=$?
"$MXCONF" run --cases "$CASES" --seed "$SEED" --jobs "$JOBS" --invalid-fraction 0.1 \
  --out "$OUT/run" || status=$?
# Reports in every format (docs/report-format.md); exit 1 there only repeats run's verdict.
"$MXCONF" report "$OUT/run" -o "$OUT/report" || true
echo "run-conformance: results in $OUT (selfcheck/selfcheck.json, run/results.jsonl, run/summary.json;"
echo "  reports: report/report.html, report/summary.md, report/junit.xml, report/report.json; exit $status)"
exit $status

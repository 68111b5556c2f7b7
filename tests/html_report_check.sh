#!/usr/bin/env bash
# ctest reports.html_in_browser: a small run, its HTML report, then the browser check
# (scripts/check-html-in-browser.sh exits 77, "skipped", when Chromium is absent).
#   html_report_check.sh MXCONF CHECK_SCRIPT WORK_DIR
set -euo pipefail
mxconf=$1 check=$2 work=$3
rm -rf "$work"
# With fault injection compiled in (default preset) the report has failure rows to render.
# (Its failures make `run` exit 1; a build without the faults leaves no results, so run clean.)
"$mxconf" run --cases 60 --max-k 128 --no-shrink --inject-fault round_half_away \
  --out "$work/run" >/dev/null 2>&1 || true
if [[ ! -s $work/run/results.jsonl ]]; then
  rm -rf "$work"
  "$mxconf" run --cases 60 --max-k 128 --no-shrink --out "$work/run" >/dev/null || true
fi
"$mxconf" report "$work/run" -o "$work/report" >/dev/null || true
[[ -f $work/report/report.html ]] || { echo "mxconf report wrote no report.html" >&2; exit 1; }
exec bash "$check" "$work/report/report.html"

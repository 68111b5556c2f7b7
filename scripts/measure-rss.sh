#!/usr/bin/env bash
# Samples the resident set of one `mxconf run` every few seconds, to show it stays flat.
#   scripts/measure-rss.sh OUT_DIR [mxconf run options...]
# Writes OUT_DIR/rss.csv (seconds, cases done, RSS in kB) and prints the first, middle and
# largest samples. Example (docs/performance.md):
#   scripts/measure-rss.sh out/rss --cases 1000000 --max-k 256 --jobs 2 --no-shrink
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 OUT_DIR [mxconf run options...]" >&2
  exit 2
fi
out=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
mxconf=${MXCONF:-$root/build/release/tools/mxconf}
[[ -x $mxconf ]] || { echo "$mxconf not built (cmake --build --preset release)" >&2; exit 1; }
mkdir -p "$out"
"$mxconf" run --out "$out/run" "$@" >"$out/run.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' INT TERM
echo "seconds,cases,rss_kb" >"$out/rss.csv"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  cases=$( (wc -l <"$out/run/results.jsonl") 2>/dev/null || echo 0)
  [[ -n $rss ]] && echo "$(( $(date +%s) - start )),$cases,$rss" >>"$out/rss.csv"
  sleep "${RSS_INTERVAL:-5}"
done
status=0
wait "$pid" || status=$?
tail -n 2 "$out/run.log"
awk -F, 'NR == 2 {first = $0} NR > 1 {n++; row[n] = $0; if ($3 > max) {max = $3; maxrow = $0}}
  END {print "first sample (s,cases,kB):  " first; print "middle sample:               " row[int((n + 1) / 2)];
       print "last sample:                 " row[n]; print "largest RSS:                 " maxrow}' "$out/rss.csv"
exit "$status"

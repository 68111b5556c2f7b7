#!/usr/bin/env bash
# The main job: installs dependencies, builds (Release), runs the default conformance campaign and
# writes its reports. Until the conformance runner lands (issue [3/6]) the campaign is the
# quantization self-check: formats/ against the independent oracle, bit for bit.
#   scripts/run-conformance.sh [--out DIR] [--blocks N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="out/conformance/$(date -u +%Y%m%dT%H%M%SZ)"
BLOCKS=250000
SEED=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --blocks) BLOCKS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run-conformance: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake --preset release -DMXCONF_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release -j "$(nproc)" --target mxconf

status=0
build/release/tools/mxconf selfcheck --blocks "$BLOCKS" --seed "$SEED" --out "$OUT" || status=$?
echo "run-conformance: results in $OUT (exit $status)"
exit $status

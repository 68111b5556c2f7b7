#!/usr/bin/env bash
# Robustness of the external loaders (docs/external-sut.md, sut/robustness/probe.py): exports a
# package with mxconf, breaks its graphs and feeds them to every installed Arm model converter and
# TOSA reference model, each for a time budget. Signals and hangs are kept with their command in
# OUT/<system>/crashes/; per-system counts in OUT/<system>/summary.json. Report only: exit 0
# whatever the systems do; 2 when the setup cannot be made.
#
#   scripts/probe-loaders.sh [--seconds N] [--seed S] [--cases N] [--out DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=600
seed=1
cases=60
out=$root/out/probe-loaders
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "probe-loaders: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check probe-loaders "$out"
scripts/setup-sut.sh --all
cmake --preset default >/dev/null
cmake --build --preset default --target mxconf >/dev/null
out_dir_claim probe-loaders "$out"
build/default/tools/mxconf export --cases "$cases" --seed "$seed" --invalid-fraction 0.1 \
  --out "$out/package" >/dev/null
while read -r system; do
  [[ $system == converter@* || $system == refmodel@* ]] || continue
  "$(sut/venv-path --system "$system")/bin/python" sut/robustness/probe.py --system "${system%@*}" \
    --package "$out/package" --out "$out/$system" --seconds "$seconds" --seed "$seed" |
    sed "s/^/$system: /" || true
done < <(sut/venv-path --list)

#!/usr/bin/env bash
# MX embeddings (issue 24: ROW_GATHER_BLOCK_SCALED of an MX table read by int32 indices, then
# CAST_FROM_BLOCK_SCALED) through mxconf's own pipeline and every system pair (sut/pairs.sh):
# `mxconf run --ops MX_EMBEDDING`, the cases the default streams leave out. Every pair whose
# lowering is mxconf's judges its runtime (both reference models, the converter) on them and must
# pass every valid case and reject every invalid one; ExecuTorch has no MX embedding
# (sut/executorch_arm/lower.py), so its pairs must answer `unsupported` to every case. Exit 1
# when any case of any pair ends otherwise; each pair's run is kept in OUT/PAIR.
#
#   scripts/run-embedding.sh [--cases N] [--seed S] [--out DIR]
#
# Defaults: 200 cases per pair, seed 1, out/embedding. Needs scripts/setup-sut.sh --all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cases=200
seed=1
out=$root/out/embedding
while [[ $# -gt 0 ]]; do
  case $1 in
    --cases) cases=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run-embedding: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $cases =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] ||
  { echo "run-embedding: --cases and --seed take whole numbers" >&2; exit 2; }
# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check run-embedding "$out"
cmake --preset default >/dev/null
cmake --build --preset default --target mxconf >/dev/null
mxconf=$root/build/default/tools/mxconf
export MXCONF_BIN=$mxconf  # the converter's pairs run this mxconf exec behind the converter
# shellcheck source=../sut/pairs.sh
source sut/pairs.sh
out_dir_claim run-embedding "$out"
failed=()
for pair in "${PAIRS[@]}"; do  # mxconf's own pipeline first
  mapfile -t flags < <(pair_flags "$pair")
  name=$(pair_name "$pair")
  dir=$out/$name
  rm -rf "$dir"
  "$mxconf" run --ops MX_EMBEDDING --cases "$cases" --seed "$seed" --jobs "$(nproc)" \
    --out "$dir" "${flags[@]}" >"$dir.log" 2>&1 || true
  allowed='["pass", "rejected-as-expected"]'
  [[ $name == executorch* ]] && allowed='["unsupported"]'
  python3 - "$dir/summary.json" "$name" "$allowed" <<'PY' || failed+=("$name")
import json, sys
path, name, allowed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    with open(path) as f:
        s = json.load(f)
except OSError:
    print(f"   {name}: no summary ({path}); see its log")
    sys.exit(1)
counts = s.get("counts", {})
other = {k: v for k, v in counts.items() if k not in allowed}
done, planned = s.get("cases_done"), s.get("cases_planned")
print(f"   {name}: {done} of {planned} cases, {json.dumps(counts, sort_keys=True)}")
sys.exit(1 if other or done != planned else 0)
PY
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run-embedding: failed: ${failed[*]} (runs in $out)" >&2
  exit 1
fi
echo "run-embedding: passed (runs in $out)"

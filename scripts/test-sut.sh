#!/usr/bin/env bash
# The external systems' tests (docs/external-sut.md): sets up the pinned venv (scripts/setup-sut.sh),
# builds mxconf, then
#   1. the adapters' contract (sut/tests/test_adapters.py: exit codes, worker protocol, versions,
#      tosa_serializer's packed layouts), and the standalone finding repros (corpus/findings/*/),
#   2. the fixed cases (sut/tests/cases) through every system pair (sut/pairs.sh: the pinned
#      versions' pairs and the newest versions'), each verdict against the triaged table
#      sut/tests/expected.tsv, and 60 generated MX embeddings through every pair
#      (scripts/run-embedding.sh),
#   3. an exported package run by the reference model (run-package --verify), graded by
#      `mxconf check` and set beside tosa_verify's verdicts,
#   4. a generated smoke campaign per pair, reported with that pair's known failures
#      (reports/pairs/PAIR/xfail.json): any failure not known there fails this script.
#   Report only, failing nothing: the robustness probe of the external loaders and the canaries
#   (scripts/probe-loaders.sh, scripts/canaries.sh).
#
#   scripts/test-sut.sh [--cases N] [--et-cases N] [--out DIR]
# Exit 0 only if every step passes. Without the package index or Python 3.11 the setup step says so
# and this exits 2; CI treats that as a failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cases=300
et_cases=60
out=$root/out/test-sut
while [[ $# -gt 0 ]]; do
  case $1 in
    --cases) cases=$2; shift 2 ;;
    --et-cases) et_cases=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "test-sut: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check test-sut "$out"

scripts/setup-sut.sh --all
venv=$(sut/venv-path --check)
cmake --preset default >/dev/null
# The build can take minutes on a fresh clone: show one progress line in 25 (ninja's [n/N]).
echo "== test-sut: building mxconf (build/default)"
cmake --build --preset default --target mxconf |
  awk '/^\[[0-9]+\/[0-9]+\]/ { if (++n % 25 == 1) { print "   " $1; fflush() } } /error|FAILED/ { print }'
mxconf=$root/build/default/tools/mxconf
# The converter's pairs run mxconf exec behind the converter (sut/model_converter/): this build.
export MXCONF_BIN=$mxconf
jobs=$(nproc)
# shellcheck source=../sut/pairs.sh
source sut/pairs.sh
out_dir_claim test-sut "$out"
mkdir -p "$out/fixed" "$out/smoke"
# The two ExecuTorch pairs lower the same models: lower each once (sut/executorch_arm/README.md).
export MXCONF_ET_LOWERING_CACHE=$out/et-lowering-cache
failed=()
step() { echo "== test-sut: $*"; }

step "adapters"
"$venv/bin/python" -m unittest discover -s sut/tests -p 'test_*.py' || failed+=(adapters)

step "standalone finding repros (corpus/findings/*/repro.py: each system's own tools, no mxconf)"
# A repro exits 1 while its bug is present. Its last known status per version is in
# corpus/findings/status.tsv; a change (fixed upstream, or back, or new in a version) is
# reported loudly and fails nothing: docs/findings.md and status.tsv then need the new status.
# Each repro runs in every installed version of its system (corpus/findings/<id>/system, default
# refmodel): each refmodel@VERSION venv (F6 needs torch and torchao, so only the default venv's
# version), each converter@VERSION venv.
known_status() { awk -F'\t' -v f="$1" -v s="$2" '$1 == f && $2 == s { print $3 }' corpus/findings/status.tsv; }
printf '   %-4s %-20s %-8s %-8s %s\n' finding version known now "repro's last line"
for repro in corpus/findings/*/repro.py; do
  id=$(basename "$(dirname "$repro")")
  kind=$(cat "$(dirname "$repro")/system" 2>/dev/null || echo refmodel)
  mapfile -t systems < <(sut/venv-path --list | grep "^$kind@")
  for system in "${systems[@]}"; do
    [[ $id == F6 && $system != "refmodel@$(sed -n 's/^tosa-tools==//p' sut/requirements.txt)" ]] && continue
    py=$(sut/venv-path --system "$system")/bin/python
    log=$out/repro-$id-$system.txt
    label=$system
    [[ $id == F6 ]] && label="torchao@$(sed -n 's/^torchao==//p' sut/requirements.txt)"
    now=present
    (cd "$out" && "$py" "$root/$repro" >"$log" 2>&1) && now=fixed
    known=$(known_status "$id" "$system")
    [[ $known == absent && $now == fixed ]] && now=absent
    note=""
    [[ $now != "$known" ]] && note="   <== CHANGED (was ${known:-unknown}; update corpus/findings/status.tsv and docs/findings.md): $log"
    printf '   %-4s %-20s %-8s %-8s %s%s\n' "$id" "$label" "${known:-?}" "$now" "$(tail -1 "$log" | cut -c1-60)" "$note"
  done
done

step "fixed cases through every pair"
for pair in "${PAIRS[@]}"; do
  mapfile -t flags < <(pair_flags "$pair")
  "$mxconf" run --case-files sut/tests/cases --jobs "$jobs" --out "$out/fixed/$pair" "${flags[@]}" \
    >"$out/fixed/$pair.log" 2>&1 || true
  python3 sut/tests/check_expected.py "$pair" "$out/fixed/$pair" || failed+=("fixed:$pair")
done

step "MX embeddings through every pair (scripts/run-embedding.sh; --ops MX_EMBEDDING)"
scripts/run-embedding.sh --cases 60 --seed 24 --out "$out/embedding" || failed+=(embedding)

step "a package run by the reference model, graded by mxconf check and by tosa_verify"
pkg=$out/package
mkdir -p "$pkg"
"$mxconf" export --cases 40 --seed 11 --max-k 256 --invalid-fraction 0.1 --out "$pkg/tests" >/dev/null
# The reference model prints gdb backtraces for the graphs it rightly refuses (its ERROR_IF
# path): kept in a log, not on the console.
sut/tosa_reference_model/run-package "$pkg/tests" "$pkg/results" --verify "$pkg/verify.jsonl" \
  >"$pkg/run-package.log" 2>&1 || failed+=(package-run)
echo "   reference model log (its backtraces on refused graphs): $pkg/run-package.log"
"$mxconf" check "$pkg/tests" --results "$pkg/results" --jobs "$jobs" --out "$pkg/check" >/dev/null || true
"$mxconf" report "$pkg/check" --xfail "reports/pairs/$(pair_name mxconf+refmodel)/xfail.json" -o "$pkg/report" ||
  failed+=(package)
"$venv/bin/python" sut/tosa_reference_model/compare_verify.py "$pkg/check" "$pkg/verify.jsonl" \
  -o "$pkg/compare-verify.md" || true

step "robustness of the external loaders (scripts/probe-loaders.sh; report only)"
# Broken graphs fed to each installed converter and reference model for a few seconds each: how
# many end in a signal or a hang (kept with their command under $out/robustness). These are other
# projects' crashes, triaged in docs/findings.md; they fail nothing here.
scripts/probe-loaders.sh --seconds 15 --cases 20 --out "$out/robustness" 2>&1 | grep -v '^setup-sut' |
  sed 's/^/   /' || true

step "canaries: systems that do not take MX graphs yet (scripts/canaries.sh; report only)"
# The model converter's VGF output and the Ethos-U Vela compiler, one linear layer per payload,
# each cell against sut/canaries/expected.tsv: a CHANGED cell means support has landed.
scripts/canaries.sh --out "$out/canaries" 2>&1 | sed 's/^/   /' || true

step "smoke campaigns ($cases cases; $et_cases through ExecuTorch)"
runs=()
for pair in "${PAIRS[@]}"; do
  mapfile -t flags < <(pair_flags "$pair")
  n=$cases
  [[ $pair == executorch* ]] && n=$et_cases
  "$mxconf" run --cases "$n" --seed 7 --invalid-fraction 0.1 --jobs "$jobs" --out "$out/smoke/$pair" \
    "${flags[@]}" >"$out/smoke/$pair.log" 2>&1 || true
  xfail=()
  [[ -f reports/pairs/$pair/xfail.json ]] && xfail=(--xfail "reports/pairs/$pair/xfail.json")
  if ! "$mxconf" report "$out/smoke/$pair" "${xfail[@]}" -o "$out/smoke/$pair/report"; then
    echo "test-sut: $pair has failures not known in reports/pairs/$pair/xfail.json:" >&2
    sed -n '/## Failures by symptom/,/## Matrix/p' "$out/smoke/$pair/report/summary.md" | head -30 >&2
    failed+=("smoke:$pair")
  fi
  runs+=("$pair=$out/smoke/$pair")
done
"$mxconf" report pairs "${runs[@]}" -o "$out/matrix"

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-sut: FAILED: ${failed[*]} (logs and runs in $out)" >&2
  exit 1
fi
echo "test-sut: all passed (runs, package and matrix in $out)"

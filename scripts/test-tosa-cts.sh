#!/usr/bin/env bash
# mxconf inside TOSA's own conformance flow (docs/tosa-cts.md): generates MX conformance tests with
# tosa-tools' generator (tosa_verif_build_tests, the pinned refmodel@2026.8.0 venv), runs them
# through the official runner (tosa_verif_run_tests) with `mxconf exec` as the system under test
# (sut/tosa_tools_cts/mxconf_sut.py), and checks outputs with tosa_verify, exactly as any TOSA
# implementer's run. No adapter: the tests run as generated.
#
#   scripts/test-tosa-cts.sh [--full] [--out DIR] [--jobs N]
#
# Default (CI): a fixed subset, seed 42: every generated CAST_TO, CAST_FROM and MATMUL_T
# test, every RESHAPE_BLOCK_SCALED and ROW_GATHER_BLOCK_SCALED test (the generator's --filter
# matches operator names, so their scaled and unscaled forms come together), and the CONV2D
# tests of a 2x2 kernel over a 1x7x6x32 input (stride <= 2, pad <= 1).
# --full (nightly): every generated test of all six MX operators, every payload.
# Every positive test must pass and every negative test must be rejected as a TOSA error. Tests
# that need what mxconf does not implement (the unscaled lists of bool, integer, fp16 or fp8
# values: not MX, and not types mxconf's interpreter carries) are counted per operator and not
# run; they never count as passes.
# Exit 0 only if every run test passes; 2 when the setup cannot be made.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
full=0
out=$root/out/tosa-cts
jobs=$(nproc)
while [[ $# -gt 0 ]]; do
  case $1 in
    --full) full=1; shift ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "test-tosa-cts: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check test-tosa-cts "$out"

system=refmodel@2026.8.0
scripts/setup-sut.sh --system "$system"
venv=$(sut/venv-path --system "$system" --check)
lib=$("$venv/bin/python" -c 'import os, tosa_reference_model as m; print(os.path.dirname(m.__file__))')
cmake --preset default >/dev/null
echo "== test-tosa-cts: building mxconf (build/default)"
cmake --build --preset default --target mxconf |
  awk '/^\[[0-9]+\/[0-9]+\]/ { if (++n % 25 == 1) { print "   " $1; fflush() } } /error|FAILED/ { print }'
mxconf=$root/build/default/tools/mxconf

out_dir_claim test-tosa-cts "$out"
mkdir -p "$out/tests"
build() {  # FILTER [generator options...]
  local filter=$1; shift
  "$venv/bin/tosa_verif_build_tests" -o "$out/tests" --seed 42 --filter "$filter" \
    --profile tosa-pro-fp --extension all --test-type both \
    --generate-lib-path "$lib/libtosa_reference_generate_lib.so" "$@" >>"$out/generate.log" 2>&1
}
start=$SECONDS
echo "== test-tosa-cts: generating ($([[ $full == 1 ]] && echo 'full MX suite' || echo 'fixed subset'), seed 42)"
if [[ $full == 1 ]]; then
  build '(cast_to|cast_from|matmul_t|conv2d|reshape|row_gather)_block_scaled.*'
else
  build '(cast_to|cast_from|matmul_t)_block_scaled'
  build '(reshape|row_gather)_block_scaled'
  build 'conv2d_block_scaled' --conv-kernel 2,2 --max-conv-padding 1 --max-conv-stride 2 \
    --max-conv-dilation 1 --max-batch-size 1 --target-shape 1,7,6,32
fi
echo "   $(find "$out/tests" -name desc.json | wc -l) tests in $((SECONDS - start)) s ($out/generate.log)"

"$venv/bin/python" sut/tosa_tools_cts/cts_select.py select "$out/tests" "$out/run.list" \
  "$out/not-implemented.list"
echo "== test-tosa-cts: running with mxconf exec as the SUT (tosa_verif_run_tests -j $jobs)"
start=$SECONDS
# The runner's exit status says nothing about results; the xunit file does.
PYTHONPATH=$root/sut/tosa_tools_cts "$venv/bin/tosa_verif_run_tests" -T "$out/run.list" \
  --ref-model-path "$venv/bin/tosa_reference_model" --verify-path "$venv/bin/tosa_verify" \
  --generate-lib-path "$lib/libtosa_reference_generate_lib.so" \
  --sut-module mxconf_sut --sut-module-args "mxconf_sut:mxconf=$mxconf" \
  -j "$jobs" --xunit-file "$out/result.xml" >"$out/run.log" 2>&1 || true
echo "   ran in $((SECONDS - start)) s ($out/run.log, $out/result.xml)"
if [[ ! -s $out/result.xml ]]; then
  echo "test-tosa-cts: the runner wrote no results; see $out/run.log" >&2
  tail -5 "$out/run.log" >&2
  exit 1
fi
"$venv/bin/python" sut/tosa_tools_cts/cts_select.py summarize "$out/run.list" \
  "$out/not-implemented.list" "$out/result.xml" | tee "$out/summary.txt"
grep -q '^cts: FAILED' "$out/summary.txt" && { echo "test-tosa-cts: FAILED" >&2; exit 1; }
echo "test-tosa-cts: passed"

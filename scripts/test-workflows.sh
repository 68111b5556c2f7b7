#!/usr/bin/env bash
# The workflows are not fiction: runs the nightly's jobs (.github/workflows/nightly.yml) here,
# each run: step exactly as written (scripts/workflow_steps.py), on tiny shards: mxconf's own
# campaign in 2 shards, every system pair in 1, the robustness job for 3 s per system, then the
# merge job over them. Also
# checks what the workflows promise (actions pinned, timeouts, the pairs) and lints them.
# Exit 0 only if every job's commands succeed and the merge job leaves its reports.
#   scripts/test-workflows.sh [--out DIR]
# Needs scripts/setup-sut.sh --all (the pairs' venvs); builds the release preset like the nightly.
# Not run here: the tosa-cts job (scripts/test-tosa-cts.sh --full; the CI runs its subset) and
# the ClusterFuzzLite workflows (Docker images; scripts/fuzz-ci.sh fuzzes the same targets).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/out/test-workflows
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test-workflows: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check test-workflows "$out"
out_dir_claim test-workflows "$out"

echo "== test-workflows: what the workflows promise"
python3 scripts/workflow_steps.py check
echo "== test-workflows: lint"
scripts/lint-workflows.sh

# A tiny shard: the workflow's own commands, with the sizes and directories overridden. The
# work and report directories are relative to the workspace, as in the workflow.
rel=${out#"$root"/}
[[ $rel != "$out" ]] || { echo "test-workflows: --out must be inside the clone ($root)" >&2; exit 2; }
# `report merge` wants every shard of a run: mxconf's campaign runs as 2 shards (both run here,
# so the merge is a real one), each pair as 1 (its shard 1/1: the pairs cost seconds per case).
tiny=(--env SEED=7 --env CASES=40 --env SHARDS=2 --env SUT_CASES=16 --env ET_CASES=3
      --env PAIR_SHARDS=1 --env PROBE_SECONDS=3 --env EMBEDDING_CASES=10
      --env "NIGHTLY_WORK=$rel/work" --env "NIGHTLY_OUT=$rel/reports")
wf=.github/workflows/nightly.yml
failed=()
for shard in 1 2; do
  echo "== test-workflows: job core, shard $shard of 2"
  python3 scripts/workflow_steps.py run "$wf" core --matrix "shard=$shard" "${tiny[@]}" \
    >"$out/core-$shard.log" 2>&1 || failed+=("core:$shard")
done
mapfile -t pairs < <(python3 -c 'import yaml,sys; print("\n".join(yaml.safe_load(open(sys.argv[1]))["jobs"]["pairs"]["strategy"]["matrix"]["pair"]))' "$wf")
for pair in "${pairs[@]}"; do
  echo "== test-workflows: job pairs, $pair, shard 1 of 1"
  python3 scripts/workflow_steps.py run "$wf" pairs --matrix "pair=$pair" --matrix shard=1 "${tiny[@]}" \
    >"$out/pairs-$pair.log" 2>&1 || failed+=("pairs:$pair")
done
echo "== test-workflows: job robustness"
python3 scripts/workflow_steps.py run "$wf" robustness "${tiny[@]}" >"$out/robustness.log" 2>&1 ||
  failed+=(robustness)
ls "$out"/work/robustness/*/summary.json >/dev/null 2>&1 ||
  { echo "test-workflows: the robustness job wrote no summary" >&2; failed+=(robustness:summary); }
[[ -s $out/work/robustness/canaries/canaries.tsv ]] ||
  { echo "test-workflows: the robustness job ran no canaries" >&2; failed+=(robustness:canaries); }
echo "== test-workflows: job embedding"
python3 scripts/workflow_steps.py run "$wf" embedding "${tiny[@]}" >"$out/embedding.log" 2>&1 ||
  failed+=(embedding)
echo "== test-workflows: job merge"
python3 scripts/workflow_steps.py run "$wf" merge "${tiny[@]}" >"$out/merge.log" 2>&1 || failed+=(merge)
# What the merge job leaves: mxconf's report and diff, every pair's report, the matrix.
latest=$out/reports/latest
for f in report.json diff.json matrix/matrix.md; do
  [[ -f $latest/$f ]] || { echo "test-workflows: the merge job wrote no $f" >&2; failed+=("merge:$f"); }
done
for pair in "${pairs[@]}"; do
  [[ -f $latest/pairs/$pair/report.json ]] || { echo "test-workflows: no report for $pair" >&2; failed+=("merge:$pair"); }
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-workflows: FAILED: ${failed[*]} (logs in $out)" >&2
  exit 1
fi
echo "test-workflows: passed (every job's commands, tiny shards; logs and reports in $out)"

#!/usr/bin/env bash
# scripts/setup-sut.sh and the scripts with an --out never delete a directory mxconf did not make: a
# venv of the user's own named by MXCONF_SUT_VENV, or an existing --out. Each must refuse (exit
# 2, saying why) and leave the directory as it was. Needs no network and no venv: each refuses
# before anything is installed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

mkdir -p "$tmp/my-venv/bin" && echo keep >"$tmp/my-venv/bin/python"
MXCONF_SUT_VENV=$tmp/my-venv "$root/scripts/setup-sut.sh" >"$tmp/setup.out" 2>&1
rc=$?
[[ $rc == 2 ]] || { echo "setup-sut: exit $rc, want 2"; fail=1; }
grep -q "not made by mxconf" "$tmp/setup.out" || { echo "setup-sut: no reason given"; fail=1; }
[[ $(cat "$tmp/my-venv/bin/python" 2>/dev/null) == keep ]] || { echo "setup-sut deleted the venv"; fail=1; }

# Every script that replaces its --out (scripts/out_dir.sh) refuses a directory of someone else's.
mkdir -p "$tmp/results" && echo keep >"$tmp/results/mine.txt"
for name in test-sut test-tosa-cts test-workflows probe-loaders canaries; do
  "$root/scripts/$name.sh" --out "$tmp/results" >"$tmp/$name.out" 2>&1
  rc=$?
  [[ $rc == 2 ]] || { echo "$name: exit $rc, want 2"; fail=1; }
  grep -q "not made by $name" "$tmp/$name.out" || { echo "$name: no reason given"; fail=1; }
  [[ $(cat "$tmp/results/mine.txt" 2>/dev/null) == keep ]] || { echo "$name deleted --out"; fail=1; }
done
exit $fail

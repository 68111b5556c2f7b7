#!/usr/bin/env bash
# mxconf's interpreter against the TOSA reference model on the same graphs, whole processes and
# per call in worker mode (docs/performance.md, "The systems users ship"). One MXFP8 (e4m3) linear
# layer, fp32 in and out, no bias, for M x K -> N from 1 x 32 -> 8 to 256 x 4096 -> 256.
#
#   bench/compare_runtimes.sh [REPS]     needs scripts/setup-sut.sh and build/release (or default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reps=${1:-5}
mxconf=$root/build/release/tools/mxconf
[[ -x $mxconf ]] || mxconf=$root/build/default/tools/mxconf
refmodel=$root/sut/tosa_reference_model/exec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
per_rep() { python3 -c "print(f'{($2 - $1) / $3 * 1000:.1f}')"; }

printf '| M x K -> N | mxconf exec (process) | reference model (process) | reference model, worker (per call) |\n|---|---|---|---|\n'
for size in "1 32 8" "16 256 64" "64 1024 256" "256 4096 256"; do
  read -r m k n <<<"$size"
  d=$work/$m-$k-$n
  mkdir -p "$d"
  cat >"$d/model.json" <<JSON
{"mxconf_model": 1, "input": {"name": "x", "shape": [$m, $k], "dtype": "fp32"},
 "layers": [{"in_features": $k, "out_features": $n, "bias": false, "payload": "fp8e4m3",
             "weight_scale_rule": "rceil", "weights": {"seed": 3}}],
 "output": {"name": "y", "dtype": "fp32"}}
JSON
  python3 - "$d/x.npy" "$m" "$k" <<'PY'
import random, struct, sys
path, m, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (m, k)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
rng = random.Random(1)
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % (m * k), *[rng.gauss(0, 1) for _ in range(m * k)]))
PY
  "$mxconf" lower "$d/model.json" -o "$d/m.tosa" >/dev/null
  t0=$(now)
  for ((i = 0; i < reps; i++)); do
    rm -rf "$d/o1"; "$mxconf" exec "$d/m.tosa" --input "$d/x.npy" --output-dir "$d/o1" >/dev/null
  done
  t1=$(now)
  for ((i = 0; i < reps; i++)); do
    rm -rf "$d/o2"; "$refmodel" "$d/m.tosa" "$d/x.npy" "$d/o2" >/dev/null 2>&1
  done
  t2=$(now)
  # Worker: per call after a warm-up call, timed from the request to the reply.
  worker=$("$(sut/venv-path --check)/bin/python" - "$refmodel" "$d" "$reps" <<'PY'
import json, subprocess, sys, time
exe, d, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = subprocess.Popen([exe, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
def call(i):
    p.stdin.write(json.dumps({"id": i, "argv": [f"{d}/m.tosa", f"{d}/x.npy", f"{d}/o3"]}) + "\n")
    p.stdin.flush()
    assert json.loads(p.stdout.readline())["exit"] == 0
call(0)
t = time.perf_counter()
for i in range(reps):
    call(i + 1)
print(f"{(time.perf_counter() - t) / reps * 1000:.1f}")
p.stdin.close(); p.wait()
PY
)
  cmp -s "$d/o1/y.npy" "$d/o2/y.npy" && same="" || same=" (not bit-identical)"
  printf '| %s x %s -> %s | %s ms | %s ms%s | %s ms |\n' "$m" "$k" "$n" "$(per_rep "$t0" "$t1" "$reps")" \
    "$(per_rep "$t1" "$t2" "$reps")" "$same" "$worker"
done

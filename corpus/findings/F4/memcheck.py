#!/usr/bin/env python3
"""F4 under valgrind's memcheck: is the undersized B_scale read out of bounds?

Needs tosa-tools (serializer and reference model), numpy, ml_dtypes and valgrind (Debian package
`valgrind`); no mxconf. Builds repro.py's graphs with tosa-tools' serializer and runs each with
tosa_reference_model.run in a child Python under `valgrind --tool=memcheck`, then reports the
invalid reads whose stack is in the reference model (TosaReference::):

    python memcheck.py        # exit 1 when an invalid read in the reference model is seen

The binding is not built with ASan; memcheck finds heap reads past a block in uninstrumented
code, which is what an out-of-bounds read of a tensor's storage is. Python runs with
PYTHONMALLOC=malloc so that memcheck sees its allocations.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [("B_scale [1,4,2] (right)", 2), ("B_scale [1,4,1] (undersized)", 1)]

CHILD = """
import sys
sys.path.insert(0, {here!r})
import numpy as np
import repro
import tosa_reference_model as rm
results, status = rm.run(repro.build({blocks}), [])
print(status.name, [np.asarray(r).ravel().tolist() for r in results])
"""


def main():
    bad = False
    for label, blocks in CASES:
        with tempfile.TemporaryDirectory() as d:
            script = os.path.join(d, "child.py")
            with open(script, "w") as f:
                f.write(CHILD.format(here=HERE, blocks=blocks))
            p = subprocess.run(["valgrind", "--tool=memcheck", "--num-callers=12", sys.executable,
                                script], capture_output=True, text=True, cwd=d, timeout=600,
                               env=dict(os.environ, PYTHONMALLOC="malloc"))
        reports = [b for b in re.split(r"\n==\d+== \n", p.stderr)
                   if "Invalid read" in b and "TosaReference::" in b]
        outcome = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else \
            f"no result (exit {p.returncode})"
        print(f"{label}: {outcome[:60]}; invalid reads in the reference model: {len(reports)}")
        for b in reports[:1]:
            lines = [ln.split("== ", 1)[-1] for ln in b.splitlines()]
            keep = [ln for ln in lines if "Invalid read" in ln or "TosaReference::Op" in ln
                    or "bytes after a block" in ln or "TensorTemplate" in ln]
            print("   " + "\n   ".join(keep[:5]))
        bad |= bool(reports)
    print("F4 out-of-bounds read PRESENT" if bad else "no out-of-bounds read seen")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

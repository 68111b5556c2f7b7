#!/usr/bin/env python3
"""F12: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) dies on an assertion
(SIGABRT) when a .tosa file holds a tensor with a dimension of 0, instead of refusing the graph:

    Assertion `hasStaticShape() && "cannot get element count of dynamic shaped type"' failed.

TOSA requires every dimension to be at least 1 (chapters/introduction.adoc line 698 at cd5acdd).

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py): an ADD of an
FP32 [1,4] input and a CONST of shape [1,4] (the control), [0,4] or [1,0]. Each conversion runs
in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control converts (exit 0); each zero-dimension graph is refused (exit > 0) with a
message, never a signal.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["const_1x4.tosa", "const_0x4.tosa", "const_1x0.tosa"]


def converter_binary():
    import model_converter
    path = os.path.join(os.path.dirname(model_converter.__file__), "binaries", "bin",
                        "model-converter")
    if not os.path.exists(path):
        sys.exit(f"no model-converter binary at {path}")
    return path


def main():
    binary = converter_binary()
    bad = False
    print(f"{'graph':<16} {'expected':<10} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name),
                                "-o", os.path.join(d, name)], capture_output=True, text=True,
                               timeout=300)
            lines = p.stderr.strip().splitlines()
            why = next((ln.split(": ", 2)[-1] for ln in lines if "Assertion" in ln),
                       lines[-1] if lines else "")
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}: {why[-90:]}"
            else:
                got = f"exit {p.returncode}"
            if name == "const_1x4.tosa":
                print(f"{name:<16} {'exit 0':<10} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            ok = p.returncode > 0
            print(f"{name:<16} {'exit > 0':<10} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F12 PRESENT: a zero dimension aborts the converter" if bad else "F12 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

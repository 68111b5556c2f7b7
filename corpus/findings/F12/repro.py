#!/usr/bin/env python3
"""F12: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) aborts, crashes or hangs
on a constant with a dimension below 1, instead of refusing the graph:

    a dimension of 0, or a negative one on an FP32 CONST: SIGABRT,
        Assertion `hasStaticShape() && "cannot get element count of dynamic shaped type"' failed.
    a negative dimension on an FP8E4M3 CONST: SIGSEGV
    a negative dimension on an FP6E2M3 or FP4E2M1 CONST: it allocates without bound (6 GB of
        resident memory after 8 s, measured 2026-12-04) and never finishes

TOSA requires every dimension to be at least 1 (chapters/introduction.adoc line 698 at cd5acdd).

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py). Each
conversion runs in a child process limited to 2 GiB of address space (so the unbounded
allocation ends in std::bad_alloc, SIGABRT, instead of taking the machine's memory) and stopped
after 15 s (the control takes milliseconds, well inside both limits):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control converts (exit 0); every other graph is refused (exit > 0) with a message,
never a signal and never a hang.
"""
import os
import resource
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["const_1x4.tosa", "const_0x4.tosa", "const_1x0.tosa", "const_1xneg4.tosa",
          "fp8_1xneg32.tosa", "fp6_1xneg32.tosa", "fp4_1xneg32.tosa"]
SECONDS = 15
MEMORY = 2 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


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
    print(f"{'graph':<18} {'expected':<10} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            try:
                p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name),
                                    "-o", os.path.join(d, name)], capture_output=True, text=True,
                                   timeout=SECONDS, preexec_fn=limit_memory)
            except subprocess.TimeoutExpired:
                got, ok = f"no answer in {SECONDS} s (stopped)", False
            else:
                lines = p.stderr.strip().splitlines()
                why = next((ln.split(": ", 2)[-1] for ln in lines if "Assertion" in ln),
                           next((ln.strip() for ln in lines if "what()" in ln), ""))
                if p.returncode < 0:
                    got = f"killed by {signal.Signals(-p.returncode).name}{': ' if why else ''}" \
                          f"{why[-80:]}"
                else:
                    got = f"exit {p.returncode}"
                ok = p.returncode > 0
                if name == "const_1x4.tosa":
                    print(f"{name:<18} {'exit 0':<10} {got}")
                    if p.returncode != 0:
                        sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                    continue
            print(f"{name:<18} {'exit > 0':<10} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F12 PRESENT: a dimension below 1 aborts, crashes or hangs the converter" if bad
          else "F12 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

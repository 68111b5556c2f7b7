#!/usr/bin/env python3
"""F13: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) does not check an
operator's number of inputs and outputs: a CAST_TO_BLOCK_SCALED with one output instead of two
dies with SIGABRT (an uncaught std::out_of_range from unordered_map::at), so does one with no
input, and one with two inputs converts with exit 0. tosa.xml lines 4038-4056 at cd5acdd define exactly one
input and two outputs.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py). Each
conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control (1 input, 2 outputs) converts; every other operand count is refused
(exit > 0) with a message, never a signal and never a converted file.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["in1_out2.tosa", "in1_out1.tosa", "in2_out2.tosa", "in0_out2.tosa"]


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
    print(f"{'graph':<15} {'expected':<10} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            out = os.path.join(d, name)
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name),
                                "-o", out], capture_output=True, text=True, timeout=300)
            lines = p.stderr.strip().splitlines()
            why = next((ln.strip() for ln in lines if "what()" in ln), lines[-1] if lines else "")
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}: {why[:60]}"
            else:
                wrote = "wrote a .tosa" if os.path.exists(out) else "no output"
                got = f"exit {p.returncode}, {wrote}"
            if name == "in1_out2.tosa":
                print(f"{name:<15} {'exit 0':<10} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            ok = p.returncode > 0
            print(f"{name:<15} {'exit > 0':<10} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F13 PRESENT: wrong operand counts crash or convert" if bad else "F13 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

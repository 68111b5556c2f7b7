#!/usr/bin/env python3
"""F15: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) dies with SIGABRT (an
uncaught std::out_of_range from unordered_map::at) when an operator names a tensor that the
block does not declare, instead of refusing the graph. The reference model (tosa-tools 2026.5.0
and 2026.8.0) refuses the same graph ("Invalid TOSA graph").

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py): an ADD whose
operands are all declared (the control), or whose second input or output is "ghost". Each
conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control converts; each graph naming an undeclared tensor is refused (exit > 0)
with a message, never a signal.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["declared.tosa", "undeclared_input.tosa", "undeclared_output.tosa"]


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
    print(f"{'graph':<23} {'expected':<10} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name),
                                "-o", os.path.join(d, name)], capture_output=True, text=True,
                               timeout=300)
            lines = p.stderr.strip().splitlines()
            why = next((ln.strip() for ln in lines if "what()" in ln), lines[-1] if lines else "")
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}: {why[:60]}"
            else:
                got = f"exit {p.returncode}"
            if name == "declared.tosa":
                print(f"{name:<23} {'exit 0':<10} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            ok = p.returncode > 0
            print(f"{name:<23} {'exit > 0':<10} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F15 PRESENT: an undeclared tensor aborts the converter" if bad else "F15 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

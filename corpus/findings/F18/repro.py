#!/usr/bin/env python3
"""F18: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) dies with SIGSEGV on a
.tosa file without a block to convert: a graph without regions, or a region without blocks,
instead of refusing the file. (A block not named "main" converts; the converter takes the first
block, which is a choice, not a crash.) The reference model has the same bug: F17.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (F17/make_tosa.py). Each
conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: main.tosa converts; no_block.tosa and no_region.tosa are refused (exit > 0) with a
message, never a signal; block_not_main.tosa converts or is refused, never a signal.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["main.tosa", "block_not_main.tosa", "no_block.tosa", "no_region.tosa"]


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
    print(f"{'graph':<20} {'expected':<18} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name),
                                "-o", os.path.join(d, name)], capture_output=True, text=True,
                               timeout=300)
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}"
            else:
                got = f"exit {p.returncode}"
            if name == "main.tosa":
                print(f"{name:<20} {'exit 0':<18} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            either = name == "block_not_main.tosa"
            ok = p.returncode >= 0 if either else p.returncode > 0
            print(f"{name:<20} {'no signal' if either else 'exit > 0':<18} {got}"
                  f"{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F18 PRESENT: a graph without a block crashes the converter" if bad
          else "F18 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

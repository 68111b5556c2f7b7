#!/usr/bin/env python3
"""F11: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) reads past its table of
operator names when a .tosa file holds an Op value outside the schema's enum: it prints another
table's name ("ReciprocalAttribute" for Op 150), raw memory (mangled C++ symbols, binary bytes)
or dies with SIGSEGV (Op 65347), instead of refusing the value.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py) and differ only
in the Op value. Each conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control (ADD) converts; every value outside `enum Op:uint32` (tosa-tools 2026.8.0,
bin/tosa.fbs lines 87-189: 0 to 100) is refused (exit > 0) with a message that names the value,
never a signal and never text from elsewhere in memory.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = [15, 101, 150, 1000, 65347]


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
    print(f"{'Op value':<10} {'expected':<18} actual")
    with tempfile.TemporaryDirectory() as d:
        for op in VALUES:
            cmd = [binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, f"op{op}.tosa"),
                   "-o", os.path.join(d, f"out{op}.tosa")]
            p = subprocess.run(cmd, capture_output=True, timeout=300)
            text = (p.stdout + p.stderr).decode("latin-1")
            lines = text.strip().splitlines()
            first = next((ln for ln in lines if "opcode" in ln), lines[0] if lines else "")
            if p.returncode < 0:
                got = f"killed by signal {-p.returncode} ({signal.Signals(-p.returncode).name})"
            else:
                got = f"exit {p.returncode}: {first[:60]!r}"
            if op == 15:
                print(f"{op:<10} {'exit 0':<18} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            # A refusal that prints non-printable bytes or another table's entry read past the end.
            garbage = any(ord(ch) < 9 or 13 < ord(ch) < 32 or ord(ch) > 126 for ch in first) or \
                "Attribute" in first or "_ZN" in first or "ZN4mlir" in first
            ok = p.returncode > 0 and not garbage
            print(f"{op:<10} {'exit > 0, message':<18} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F11 PRESENT: out-of-range Op values are read past the name table" if bad
          else "F11 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""F16: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) reads past its table of
DType names when a .tosa tensor has a DType outside the schema's enum: its "unknown type" message
prints bytes from elsewhere in memory (DType 250) or it dies with SIGSEGV (DType 99), instead of
refusing the value. The same family as F11 (Op values), for another enum.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py) and differ only
in the output tensor's DType. Each conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control (FP32) converts; every value outside `enum DType:uint32` (tosa-tools
2026.8.0, bin/tosa.fbs lines 26-46: 0 to 18) is refused (exit > 0) with a message, never a signal
and never bytes from elsewhere in memory.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = [7, 19, 99, 250, 70000]


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
    print(f"{'DType':<7} {'expected':<18} actual")
    with tempfile.TemporaryDirectory() as d:
        for v in VALUES:
            cmd = [binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, f"dtype{v}.tosa"),
                   "-o", os.path.join(d, f"out{v}.tosa")]
            p = subprocess.run(cmd, capture_output=True, timeout=300)
            text = (p.stdout + p.stderr).decode("latin-1")
            lines = text.strip().splitlines()
            first = next((ln for ln in lines if "unknown type" in ln), lines[0] if lines else "")
            if p.returncode < 0:
                got = f"killed by signal {-p.returncode} ({signal.Signals(-p.returncode).name})"
            else:
                got = f"exit {p.returncode}: {first[:40]!r}"
            if v == 7:
                print(f"{v:<7} {'exit 0':<18} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            # Non-printable bytes after "unknown type": memory past the end of the name table.
            garbage = any(ord(ch) < 32 or ord(ch) > 126 for ch in first)
            ok = p.returncode > 0 and not garbage
            print(f"{v:<7} {'exit > 0, message':<18} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F16 PRESENT: out-of-range DType values are read past the name table" if bad
          else "F16 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

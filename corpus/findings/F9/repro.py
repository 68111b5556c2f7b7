#!/usr/bin/env python3
"""F9: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) dies with SIGSEGV on a
valid .tosa file whose software_version table has no `_modifier` string.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools):
the two graphs beside this script were built by tosa-tools' own serializer (make_tosa.py) and
differ only in that one optional field. The converter's binary runs in a child process, so a
crash is seen as its signal:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: both graphs convert (exit 0), as a graph without any software_version does (the
converter warns "created with version of SerLib before software version was encoded" and goes
on). tosa-tools 2026.8.0's bin/tosa.fbs: `table SoftwareVersion { ... _modifier: string; }`
(lines 621-626; no `(required)`), `software_version:SoftwareVersion; // cannot be required for
back-compat` (line 753).
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = [("control: software_version with _modifier", "with_modifier.tosa"),
          ("software_version without _modifier", "without_modifier.tosa")]


def converter_binary():
    import model_converter
    path = os.path.join(os.path.dirname(model_converter.__file__), "binaries", "bin",
                        "model-converter")
    if not os.path.exists(path):
        sys.exit(f"no model-converter binary at {path}")
    return path


def outcome(rc, out_exists):
    if rc < 0:
        return f"killed by signal {-rc} ({signal.Signals(-rc).name})"
    return f"exit {rc}" + ("" if out_exists or rc != 0 else " (no output)")


def main():
    binary = converter_binary()
    bad = False
    print(f"{'graph':<44} {'expected':<10} actual")
    with tempfile.TemporaryDirectory() as d:
        for label, name in GRAPHS:
            out = os.path.join(d, name)
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", os.path.join(HERE, name), "-o",
                                out], capture_output=True, text=True, timeout=300)
            got = outcome(p.returncode, os.path.exists(out))
            ok = p.returncode == 0 and os.path.exists(out)
            print(f"{label:<44} {'exit 0':<10} {got}")
            if name.startswith("with_") and not ok:
                sys.exit(f"the control does not convert ({got}); the repro proves nothing:\n"
                         f"{p.stderr[-500:]}")
            bad |= not ok
    print("F9 PRESENT: a missing _modifier crashes the converter" if bad else "F9 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

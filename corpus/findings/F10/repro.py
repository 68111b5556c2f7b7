#!/usr/bin/env python3
"""F10: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0) exits 0 on an empty input
file and writes nothing: a build step that chains it sees success and no model.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools). The
binary runs in a child process on three inputs made here:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: a non-zero exit with a message for anything that is not a TOSA flatbuffer, as the
converter does for a truncated file ("Fail to load TOSA file ... TOSA graph failed flatbuffer
verification", exit 255) and for a missing one. The control: an empty file must not be taken
for a graph with nothing in it, since a TOSA flatbuffer always holds at least its root table
(tosa.fbs: `root_type TosaGraph;`, whose `version` is required).
"""
import os
import signal
import subprocess
import sys
import tempfile


def converter_binary():
    import model_converter
    path = os.path.join(os.path.dirname(model_converter.__file__), "binaries", "bin",
                        "model-converter")
    if not os.path.exists(path):
        sys.exit(f"no model-converter binary at {path}")
    return path


def main():
    binary = converter_binary()
    with tempfile.TemporaryDirectory() as d:
        inputs = {"empty file (0 bytes)": b"",
                  "control: 8 bytes, not a TOSA file": b"\x10\x00\x00\x00TOSA",
                  "control: missing file": None}
        print(f"{'input':<36} {'expected':<18} actual")
        bad = False
        for label, data in inputs.items():
            path = os.path.join(d, f"in{len(label)}.tosa")
            if data is not None:
                with open(path, "wb") as f:
                    f.write(data)
            out = os.path.join(d, "out.tosa")
            p = subprocess.run([binary, "--tosa-flatbuffer", "-i", path, "-o", out],
                               capture_output=True, text=True, timeout=300)
            if p.returncode < 0:
                got = f"killed by signal {-p.returncode} ({signal.Signals(-p.returncode).name})"
            else:
                got = f"exit {p.returncode}" + (", no output, no message"
                                                if not os.path.exists(out) and
                                                not (p.stdout + p.stderr).strip() else "")
            refused = p.returncode > 0
            print(f"{label:<36} {'exit > 0, message':<18} {got}")
            if label.startswith("control") and not refused:
                sys.exit(f"a control is not refused ({got}); the repro proves nothing")
            bad |= not refused
            if os.path.exists(out):
                os.remove(out)
    print("F10 PRESENT: an empty input file 'converts' with exit 0" if bad else "F10 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""F19: the TOSA reference model's command line (tosa-tools 2026.5.0 and 2026.8.0) reads past its
table of operator names when a .tosa file holds an Op value outside the schema's enum: its
"OpFactory could not allocate op" message prints another table's entry ("BOOL" for Op 101 in
2026.5.0) or raw bytes (machine code for Op 1000), and it dies with SIGSEGV for Op 65347 and
above. The Python binding refuses the same files (ValueError). The converter has the same bug:
F11.

Needs only tosa-tools and numpy (run it with a tosa-tools venv's python; no mxconf): the graphs
beside this script were built by tosa-tools' own serializer (make_tosa.py). The command line is
the native binary (the venv's bin/tosa_reference_model is a Python shim that turns a SIGSEGV
into exit 245), run in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control (ADD) runs; every value outside `enum Op:uint32` (bin/tosa.fbs lines 87-189
of tosa-tools 2026.8.0: 0 to 100) is refused (exit > 0) with a message, never a signal and never
bytes from elsewhere in memory.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = [15, 101, 1000, 65347, 1 << 20]


def native_binary():
    from importlib import metadata
    path = str(metadata.distribution("tosa-tools").locate_file("bin/tosa_reference_model"))
    if not os.path.isfile(path):
        sys.exit(f"no tosa_reference_model binary at {path}")
    return path


def main():
    import numpy as np
    binary = native_binary()
    bad = False
    print(f"{'Op value':<9} {'expected':<18} actual")
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "a.npy"), np.zeros((1, 4), np.float32))
        np.save(os.path.join(d, "b.npy"), np.ones((1, 4), np.float32))
        for op in VALUES:
            p = subprocess.run([binary, "--tosa_file", os.path.join(HERE, f"op{op}.tosa"),
                                "--ifm_name", "input-0,input-1", "--ifm_file", "a.npy,b.npy",
                                "--ofm_name", "result-0", "--ofm_file", "out.npy"],
                               cwd=d, capture_output=True, timeout=300)
            text = (p.stdout + p.stderr).decode("latin-1")
            line = next((ln for ln in text.splitlines() if "allocate op" in ln), "")
            name = line.split("allocate op", 1)[1].split(" input=")[0].strip() if line else ""
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}"
            else:
                got = f"exit {p.returncode}" + (f", op named {name[:16]!r}" if line else "")
            if op == 15:
                print(f"{op:<9} {'exit 0':<18} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not run ({got}); the repro proves nothing")
                continue
            # A name that is not "(null)" or empty came from past the end of the table.
            ok = p.returncode > 0 and name in ("", "(null)")
            print(f"{op:<9} {'exit > 0, message':<18} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F19 {'PRESENT' if bad else 'fixed'}")
    except Exception:
        pass
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

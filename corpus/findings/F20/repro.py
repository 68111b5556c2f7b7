#!/usr/bin/env python3
"""F20: the TOSA reference model of tosa-tools 2026.5.0 reads a truncated .tosa file without
verifying it and dies with SIGSEGV, on the command line and in the Python binding. tosa-tools
2026.8.0 verifies the flatbuffer first and refuses such a file ("TOSA graph failed flatbuffer
verification"): fixed there.

Needs only tosa-tools and numpy (run it with a tosa-tools venv's python; no mxconf). main.tosa
beside this script was built by tosa-tools' own serializer (make_tosa.py); this script cuts it
to its first 8 and 16 bytes, a quarter and a half, and runs each cut through the native command
line and the binding, each in a child process (the venv's bin/tosa_reference_model is a Python
shim that turns the binary's SIGSEGV into exit 245, so the binary itself is run):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: main.tosa runs (exit 0, TOSA_VALID); every cut is refused (command line: exit > 0,
or its own "FATAL ERROR AT" message followed by abort, the way it refuses every bad file;
binding: an error status or an exception), never another signal.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def native_binary():
    from importlib import metadata
    path = str(metadata.distribution("tosa-tools").locate_file("bin/tosa_reference_model"))
    if not os.path.isfile(path):
        sys.exit(f"no tosa_reference_model binary at {path}")
    return path


def binding_one(path):
    import numpy as np
    import tosa_reference_model as rm
    with open(path, "rb") as f:
        data = f.read()
    try:
        _, status = rm.run(data, [np.zeros((1, 4), np.float32), np.ones((1, 4), np.float32)],
                           tosa_level="EIGHTK")
        print(status.name)
    except Exception as e:  # a refusal at load time is a refusal too
        print(f"raised {type(e).__name__}")


def ended(p):
    if p.returncode < 0:
        return f"killed by {signal.Signals(-p.returncode).name}"
    return f"exit {p.returncode}"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--binding":
        binding_one(sys.argv[2])
        return 0
    import numpy as np
    binary = native_binary()
    with open(os.path.join(HERE, "main.tosa"), "rb") as f:
        whole = f.read()
    cuts = [len(whole), 8, 16, len(whole) // 4, len(whole) // 2]
    bad = False
    print(f"{'file':<22} {'how':<8} {'expected':<12} actual")
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "a.npy"), np.zeros((1, 4), np.float32))
        np.save(os.path.join(d, "b.npy"), np.ones((1, 4), np.float32))
        for cut in cuts:
            control = cut == len(whole)
            name = "main.tosa" if control else f"first {cut} of {len(whole)} B"
            path = os.path.join(d, f"cut{cut}.tosa")
            with open(path, "wb") as f:
                f.write(whole[:cut])
            cli = subprocess.run([binary, "--tosa_file", path, "--ifm_name", "input-0,input-1",
                                  "--ifm_file", "a.npy,b.npy", "--ofm_name", "result-0",
                                  "--ofm_file", "out.npy"], cwd=d, capture_output=True,
                                 timeout=300)
            got = ended(cli)
            # The model's own error path prints "FATAL ERROR AT file:line" and then aborts: a
            # refusal, as for every file it rejects, not a crash.
            refused = cli.returncode > 0 or (cli.returncode == -signal.SIGABRT and
                                             b"FATAL ERROR AT" in cli.stdout + cli.stderr)
            if cli.returncode < 0 and refused:
                got = "FATAL ERROR, abort"
            ok = cli.returncode == 0 if control else refused
            print(f"{name:<22} {'CLI':<8} {'exit 0' if control else 'refused':<12} {got}"
                  f"{'' if ok else '   <== wrong'}")
            if control and not ok:
                sys.exit("the control does not run; the repro proves nothing")
            bad |= not ok
            b = subprocess.run([sys.executable, os.path.abspath(__file__), "--binding", path],
                               capture_output=True, text=True, timeout=300)
            lines = b.stdout.strip().splitlines()
            got = ended(b) if b.returncode else (lines[-1] if lines else "no status")
            if control:
                ok = got == "TOSA_VALID"
            else:
                ok = b.returncode == 0 and got != "TOSA_VALID" and got != "no status"
            print(f"{'':<22} {'binding':<8} {'TOSA_VALID' if control else 'no signal':<12} {got}"
                  f"{'' if ok else '   <== wrong'}")
            if control and not ok:
                sys.exit("the control does not run; the repro proves nothing")
            bad |= not ok
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F20 {'PRESENT' if bad else 'fixed'}")
    except Exception:
        pass
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

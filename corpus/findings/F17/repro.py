#!/usr/bin/env python3
"""F17: the TOSA reference model (tosa-tools 2026.5.0 and 2026.8.0) dies with a signal on a
.tosa file without the block it runs: no region (SIGSEGV, command line and Python binding), a
region without blocks (command line SIGSEGV; binding SIGABRT on a libstdc++ assertion), or a
region whose only block is not named "main" (command line SIGSEGV; the binding runs it), instead
of refusing the file.

Needs only tosa-tools and numpy (run it with a tosa-tools venv's python; no mxconf): the graphs
beside this script were built by tosa-tools' own serializer (make_tosa.py). Each run is a child
process; the command line is the native binary (the venv's bin/tosa_reference_model is a Python
shim that turns the binary's SIGSEGV into exit 245):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: main.tosa runs (exit 0, TOSA_VALID); each other file is refused (command line: exit
> 0 with a message; binding: an error status or an exception), never a signal. The binding may
also run block_not_main.tosa (it takes the first block).
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["main.tosa", "block_not_main.tosa", "no_block.tosa", "no_region.tosa"]


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


def ended(p, text):
    if p.returncode < 0:
        return f"killed by {signal.Signals(-p.returncode).name}"
    lines = text.strip().splitlines()
    return f"exit {p.returncode}" + (f": {lines[-1][:40]}" if lines and p.returncode else "")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--binding":
        binding_one(sys.argv[2])
        return 0
    import numpy as np
    binary = native_binary()
    bad = False
    print(f"{'graph':<20} {'how':<8} {'expected':<16} actual")
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "a.npy"), np.zeros((1, 4), np.float32))
        np.save(os.path.join(d, "b.npy"), np.ones((1, 4), np.float32))
        for name in GRAPHS:
            control = name == "main.tosa"
            cli = subprocess.run([binary, "--tosa_file", os.path.join(HERE, name),
                                  "--ifm_name", "input-0,input-1", "--ifm_file", "a.npy,b.npy",
                                  "--ofm_name", "result-0", "--ofm_file", "out.npy"],
                                 cwd=d, capture_output=True, timeout=300)
            got = ended(cli, (cli.stdout + cli.stderr).decode(errors="replace"))
            ok = cli.returncode == 0 if control else cli.returncode > 0
            print(f"{name:<20} {'CLI':<8} {'exit 0' if control else 'exit > 0':<16} {got}"
                  f"{'' if ok else '   <== wrong'}")
            if control and not ok:
                sys.exit("the control does not run; the repro proves nothing")
            bad |= not ok
            b = subprocess.run([sys.executable, os.path.abspath(__file__), "--binding",
                                os.path.join(HERE, name)], capture_output=True, text=True,
                               timeout=300)
            lines = b.stdout.strip().splitlines()
            got = ended(b, "") if b.returncode else (lines[-1] if lines else "no status")
            if control:
                ok = got == "TOSA_VALID"
            else:
                ok = b.returncode == 0 and (got.startswith("raised") or got != "no status")
            print(f"{'':<20} {'binding':<8} {'TOSA_VALID' if control else 'no signal':<16} {got}"
                  f"{'' if ok else '   <== wrong'}")
            if control and not ok:
                sys.exit("the control does not run; the repro proves nothing")
            bad |= not ok
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F17 {'PRESENT' if bad else 'fixed'}")
    except Exception:
        pass
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Robustness of other systems' loaders (issue 22 §5): feeds structurally broken .tosa files to an
external system's own command line and records how each one ends. A signal or a hang is a
finding; a refusal (exit > 0) or a run (exit 0) is not, for a broken file, except where noted.

    probe.py --system converter|refmodel --package DIR --out DIR [--seconds N] [--seed S]

Run it with the system's own venv python (sut/venv-path --system ...): no mxconf in the loop.
The inputs are the tests of an `mxconf export` package (DIR/*/desc.json with its .tosa and input
files). Each file is broken in the ways mxconf's own corrupted-file tests use, in turn:

  truncate   the first 0, 8, 16, n/4, n/2 and n-1 bytes
  flip       one byte XOR 0xFF at a seeded offset (8 per file), header and tables alike
  zero       a seeded run of 16 bytes set to 0

Every mutant runs in a child process with a timeout (20 s) and 4 GiB of address space, until
--seconds is spent. Writes
DIR/results.jsonl (one line per run), DIR/summary.json (counts per outcome) and, for every signal
or hang, the mutant itself under DIR/crashes/ with the command that shows it. Exit 0 whatever
it finds (the findings are other projects' bugs); 2 on bad usage.
"""

import argparse
import functools
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20


def converter_command(tosa, workdir):
    import model_converter
    binary = os.path.join(os.path.dirname(model_converter.__file__), "binaries", "bin",
                          "model-converter")
    return [binary, "--tosa-flatbuffer", "-i", tosa, "-o", os.path.join(workdir, "out.tosa")]


@functools.lru_cache(maxsize=None)
def refmodel_binary():
    """The reference model's native executable. Not the venv's bin/tosa_reference_model: that is
    a Python shim that runs the binary and passes its return code to sys.exit, so a SIGSEGV
    (-11) leaves the shim as exit 245 and looked like a refusal."""
    from importlib import metadata
    path = str(metadata.distribution("tosa-tools").locate_file("bin/tosa_reference_model"))
    if not os.path.isfile(path):
        sys.exit(f"probe: no reference model binary at {path}")
    return path


def refmodel_command(tosa, workdir):
    return [refmodel_binary(), "--test_desc", os.path.join(workdir, "desc.json"),
            "--tosa_file", tosa]


COMMANDS = {"converter": converter_command, "refmodel": refmodel_command}


def mutants(data, rng):
    n = len(data)
    for keep in sorted({0, 8, 16, n // 4, n // 2, max(n - 1, 0)}):
        if keep < n:
            yield f"truncate:{keep}", data[:keep]
    for _ in range(8):
        if n == 0:
            break
        i = rng.randrange(n)
        yield f"flip:{i}", data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
    if n > 16:
        i = rng.randrange(n - 16)
        yield f"zero:{i}+16", data[:i] + bytes(16) + data[i + 16:]


# Address space per child. A mutant that makes a system allocate without bound (F12: the
# converter on a negative FP6/FP4 dimension, 6 GB in 8 s) then ends in its allocator's failure
# within seconds, instead of taking the machine's memory until the timeout.
MEMORY = 4 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def outcome(rc, text=""):
    if rc is None:
        return "hang"
    # The reference model's own error path prints "FATAL ERROR AT file:line" and then aborts:
    # a deliberate refusal, counted apart from the crashes (a host of its Python binding would
    # still die with it).
    if rc == -signal.SIGABRT and "FATAL ERROR AT" in text:
        return "refused (FATAL ERROR, abort)"
    if rc < 0:
        return f"signal {signal.Signals(-rc).name}"
    return "ran" if rc == 0 else "refused"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--system", choices=sorted(COMMANDS), required=True)
    ap.add_argument("--package", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    tests = sorted(d for d in os.listdir(a.package)
                   if os.path.exists(os.path.join(a.package, d, "desc.json")))
    if not tests:
        print(f"probe: no tests (*/desc.json) in {a.package}", file=sys.stderr)
        return 2
    os.makedirs(os.path.join(a.out, "crashes"), exist_ok=True)
    rng = random.Random(a.seed)
    counts, start, runs = {}, time.monotonic(), 0
    with open(os.path.join(a.out, "results.jsonl"), "w") as log:
        for test in tests:
            src = os.path.join(a.package, test)
            with open(os.path.join(src, "desc.json")) as f:
                desc = json.load(f)
            with open(os.path.join(src, desc["tosa_file"]), "rb") as f:
                data = f.read()
            for how, mutant in mutants(data, rng):
                if time.monotonic() - start > a.seconds:
                    break
                with tempfile.TemporaryDirectory() as work:
                    for name in os.listdir(src):
                        if name.endswith((".npy", ".json")):
                            shutil.copy(os.path.join(src, name), work)
                    tosa = os.path.join(work, "mutant.tosa")
                    with open(tosa, "wb") as f:
                        f.write(mutant)
                    cmd = COMMANDS[a.system](tosa, work)
                    try:
                        p = subprocess.run(cmd, cwd=work, capture_output=True, timeout=TIMEOUT,
                                           preexec_fn=limit_memory)
                        rc, text = p.returncode, (p.stdout + p.stderr).decode(errors="replace")
                    except subprocess.TimeoutExpired:
                        rc, text = None, ""
                    got = outcome(rc, text)
                    counts[got] = counts.get(got, 0) + 1
                    runs += 1
                    row = {"test": test, "mutation": how, "outcome": got, "exit": rc}
                    if got.startswith("signal") or got == "hang":
                        tag = how.replace(":", "_").replace("+", "_")
                        keep = os.path.join(a.out, "crashes", f"{test}.{tag}.tosa")
                        shutil.copy(tosa, keep)
                        row["mutant"] = keep
                        row["command"] = " ".join(cmd).replace(tosa, keep)
                    log.write(json.dumps(row) + "\n")
    summary = {"system": a.system, "runs": runs, "seconds": round(time.monotonic() - start, 1),
               "outcomes": counts}
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    crashes = {k: v for k, v in counts.items() if k.startswith("signal") or k == "hang"}
    print(f"probe {a.system}: {runs} broken files in {summary['seconds']} s: "
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
          + (f"; SIGNALS/HANGS kept in {a.out}/crashes" if crashes else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

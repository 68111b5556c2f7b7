"""Canaries: systems that cannot take MX graphs yet, asked every night whether they can now.

    canaries.py --mxconf BIN --out DIR [--expected sut/canaries/expected.tsv]

Lowers one small linear layer per MX payload with mxconf, hands each .tosa to every canary that
is installed (sut/venv-path --list), classifies what happened and sets it beside
sut/canaries/expected.tsv:

    converts     exit 0 and an output file: support has landed, a new system to judge
    unsupported  a refusal with a message (the expected state today)
    crash        a signal (the message leads with the assertion or what())
    hang         no answer within 120 s

A cell that differs from the table is reported loudly as CHANGED; the script still exits 0 (a
canary informs, it does not fail a run). Exit 2 when mxconf or a canary cannot be run at all.
Any Python 3 runs it: stdlib only, each canary through its own venv's programs.
"""

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYLOADS = ["fp8e4m3", "fp8e5m2", "fp6e2m3", "fp6e3m2", "fp4e2m1", "mxint8"]
SECONDS = 120


def model(payload):
    """A [1,64] x [64,8] linear layer with weights from a seed (docs/model-format.md)."""
    return {"mxconf_model": 1, "input": {"name": "x", "shape": [1, 64], "dtype": "fp32"},
            "layers": [{"in_features": 64, "out_features": 8, "bias": False, "payload": payload,
                        "weight_scale_rule": "rceil", "weights": {"seed": 1}}],
            "output": {"name": "y", "dtype": "fp32"}}


def venv(system):
    p = subprocess.run([os.path.join(SUT, "venv-path"), "--system", system, "--check"],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def converter_vgf(env_dir, tosa, work):
    binary = glob.glob(os.path.join(env_dir, "lib", "python3*", "site-packages", "model_converter",
                                    "binaries", "bin", "model-converter"))[0]
    out = os.path.join(work, "out.vgf")
    return [binary, "-i", tosa, "-o", out], out


def vela(env_dir, tosa, work):
    out = os.path.join(work, "vela")
    return [os.path.join(env_dir, "bin", "vela"), "--accelerator-config", "ethos-u85-256",
            "--output-dir", out, tosa], out


# canary name -> (system name in sut/versions/, command builder)
CANARIES = {"converter-vgf": ("converter", converter_vgf), "vela": ("vela", vela)}


def classify(cmd, out):
    """(outcome, message) of one run."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return "hang", f"no answer within {SECONDS} s"
    lines = [ln.strip() for ln in (p.stderr + p.stdout).splitlines()
             if ln.strip() and not ln.startswith("#") and "[debug]" not in ln]
    if p.returncode < 0:
        why = next((m.group(0) for ln in lines
                    for m in [re.search(r"Assertion `.*' failed|what\(\):.*", ln)] if m), "")
        return "crash", f"{signal.Signals(-p.returncode).name} {why}".strip()
    if p.returncode == 0 and os.path.exists(out):
        return "converts", ""
    # The line that says why: the last that names an error (vela's reason follows its
    # "Compilation failed" line), else the last line.
    matching = [ln for ln in lines if re.search(r"error|unknown|unsupported", ln, re.I)]
    why = (matching or lines or [f"exit {p.returncode}"])[-1].lstrip("- ")
    return "unsupported", why


def read_expected(path):
    table = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                canary, version, payload, outcome, message = line.rstrip("\n").split("\t")
                table[(canary, version, payload)] = (outcome, message)
    return table


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mxconf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--expected", default=os.path.join(SUT, "canaries", "expected.tsv"))
    a = ap.parse_args(argv)
    expected = read_expected(a.expected)
    os.makedirs(a.out, exist_ok=True)
    graphs = {}
    for payload in PAYLOADS:
        path = os.path.join(a.out, f"{payload}.json")
        with open(path, "w") as f:
            json.dump(model(payload), f)
        tosa = os.path.join(a.out, f"linear_{payload}.tosa")
        p = subprocess.run([a.mxconf, "lower", path, "-o", tosa], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"canaries: mxconf cannot lower the {payload} model: {p.stderr.strip()}",
                  file=sys.stderr)
            return 2
        graphs[payload] = tosa
    listed = subprocess.run([os.path.join(SUT, "venv-path"), "--list"], capture_output=True,
                            text=True, check=True).stdout.split()
    rows, changed = [], 0
    for canary, (system, build) in CANARIES.items():
        for name in [s for s in listed if s.split("@")[0] == system]:
            env_dir = venv(name)
            if env_dir is None:
                print(f"canaries: {name} is not installed (scripts/setup-sut.sh --system {name})",
                      file=sys.stderr)
                return 2
            version = name.split("@")[1]
            for payload, tosa in graphs.items():
                work = os.path.join(a.out, canary, version, payload)
                os.makedirs(work, exist_ok=True)
                outcome, message = classify(*build(env_dir, tosa, work))
                want = expected.get((canary, version, payload))
                same = want is not None and want[0] == outcome and message.startswith(want[1])
                changed += not same
                rows.append((canary, version, payload, outcome, message, want, same))
    with open(os.path.join(a.out, "canaries.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r[:5]) + "\n")
    print(f"{'canary':<14} {'version':<8} {'payload':<8} {'now':<12} message")
    for canary, version, payload, outcome, message, want, same in rows:
        note = "" if same else (f"   <== CHANGED (was {want[0]}: {want[1][:50]}); update "
                                f"sut/canaries/expected.tsv" if want else "   <== NEW: no line in "
                                "sut/canaries/expected.tsv")
        print(f"{canary:<14} {version:<8} {payload:<8} {outcome:<12} {message[:70]}{note}")
    print(f"canaries: {len(rows)} cells, {changed} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Runs every test of an mxconf conformance package with the TOSA reference model, one forked
child per test (the model loads once; a test that crashes it, as F7 does, costs only that test).

    run-package PKG RESULTS [--verify VERIFY.jsonl]

For each test of PKG/index.json: runs model.tosa on the desc.json's input files and writes each
output to RESULTS/<test>/<ofm_file> (what `mxconf check PKG --results RESULTS` grades); a graph
the reference model rejects leaves no file. With --verify, tosa-tools' own checker (tosa_verify)
grades every valid test's output against the package's fp64 reference and bounds too, one JSON
line per test: {"test", "verdict": compliant | non-compliant | error, "message"}; compare-verify
sets those beside mxconf's verdicts.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import adapter  # noqa: E402

import run_graph  # noqa: E402  (this folder's run_graph.py, behind the exec command)


def tosa_verify(test_dir, desc, result_file):
    exe = shutil.which("tosa_verify") or os.path.join(os.path.dirname(sys.executable), "tosa_verify")
    meta = desc.get("meta", {}).get("mxconf", {})
    cmd = [exe, "--test_desc", os.path.join(test_dir, "desc.json"),
           "--imp_result_file", result_file,
           "--ref_result_file", os.path.join(test_dir, meta.get("expected_file", "expected-0.npy")),
           "--bnd_result_file", os.path.join(test_dir, meta.get("bounds_file", "bounds-0.npy"))]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    verdict = {0: "compliant", 2: "non-compliant"}.get(p.returncode, "error")
    lines = [l for l in (p.stdout + p.stderr).splitlines() if l.strip() and "WARNING: TOSA file" not in l]
    return verdict, " ".join(lines)[-300:]


def run_isolated(args, err):
    """run_graph.run in a forked child (adapter.run_forked, as the worker runs it): its exit
    code, or "signal N" when the model crashed the child (docs/findings.md F7), with that noted
    in `err`."""
    code, sig, text = adapter.run_forked(run_graph.run, args)
    err.write(text)
    if sig:
        err.write(f"the reference model was killed by signal {sig}\n")
        return f"signal {sig}"
    return code


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--verify"):
        print(__doc__, file=sys.stderr)
        return adapter.USAGE
    pkg, results = argv[0], argv[1]
    with open(os.path.join(pkg, "index.json")) as f:
        index = json.load(f)
    verify = open(argv[3], "w") if len(argv) == 4 else None
    counts = {}
    for t in index["tests"]:
        test_dir = os.path.join(pkg, t["name"])
        with open(os.path.join(test_dir, "desc.json")) as f:
            desc = json.load(f)
        out_dir = os.path.join(results, t["name"])
        tmp = tempfile.mkdtemp(dir=results if os.path.isdir(results) else None)
        inputs = [os.path.join(test_dir, x) for x in desc["ifm_file"]]
        err = tempfile.TemporaryFile(mode="w+")
        code = run_isolated([os.path.join(test_dir, desc["tosa_file"])] + inputs + [tmp], err)
        counts[code] = counts.get(code, 0) + 1
        if code == adapter.OK:
            os.makedirs(os.path.dirname(out_dir) or ".", exist_ok=True)
            shutil.rmtree(out_dir, ignore_errors=True)
            os.replace(tmp, out_dir)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        if verify and not desc.get("expected_failure"):
            if code == adapter.OK:
                verdict, message = tosa_verify(test_dir, desc, os.path.join(out_dir, desc["ofm_file"][0]))
            else:
                err.seek(0)
                verdict, message = "error", "the reference model did not run it: " + err.read()[-200:]
            verify.write(json.dumps({"test": t["name"], "verdict": verdict, "message": message}) + "\n")
    if verify:
        verify.close()
    print(f"run-package: {len(index['tests'])} tests; exit codes {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.makedirs(sys.argv[2] if len(sys.argv) > 2 else ".", exist_ok=True)
    sys.exit(main(sys.argv[1:]))

"""A system-under-test module for tosa-tools' conformance runner: runs `mxconf exec`.

    PYTHONPATH=sut/tosa_tools_cts tosa_verif_run_tests --sut-module mxconf_sut \
        --sut-module-args mxconf_sut:mxconf=build/default/tools/mxconf --test DIR ...

The runner hands each test directory (desc.json, test.tosa, the .npy inputs) to runTestGraph; we
run `mxconf exec` on it and put each output where desc.json's ofm_file says, so the runner's own
checker (`tosa_verify`) judges the files exactly as it judges the reference model's. Nothing is
converted here: the inputs go to mxconf as the generator wrote them, in tosa-tools' layouts.

mxconf exec's exit status says what happened (docs/io-formats.md):
  0 ran, outputs written
  3 the graph breaks a TOSA rule (an ERROR_IF or a structural rule): TOSA_ERROR, so a negative
    test passes
  4 the file uses something mxconf does not implement (an unknown op or type): OTHER_ERROR, so
    the test fails, positive or negative; "unsupported" is never counted as a rejection
  anything else (usage, unreadable input, a crash): OTHER_ERROR
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from runner.tosa_test_runner import TosaTestRunner

EXIT_GRAPH_INVALID = 3


def _option(runner_args, key, default):
    for a in runner_args:
        if a.startswith(key + "="):
            return a[len(key) + 1 :]
    return default


class TosaSUTRunner(TosaTestRunner):
    """Runs one conformance test with `mxconf exec`."""

    def __init__(self, args, runnerArgs, testDirPath):
        super().__init__(args, runnerArgs, testDirPath)
        self.mxconf = _option(runnerArgs, "mxconf", os.environ.get("MXCONF", "mxconf"))
        self.timeout = float(_option(runnerArgs, "timeout", "300"))

    def runTestGraph(self):
        desc = self.testDesc
        cmd = [self.mxconf, "exec", str(self.testDirPath / desc["tosa_file"])]
        for name, npy in zip(desc["ifm_name"], desc["ifm_file"]):
            cmd += ["--input", f"{name}={self.testDirPath / npy}"]
        # exec names each output after its tensor; the runner looks for desc's ofm_file names.
        with tempfile.TemporaryDirectory(prefix="mxconf-cts-", dir=self.testDirPath) as out:
            cmd += ["--output-dir", out]
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                return TosaTestRunner.TosaGraphResult.OTHER_ERROR, f"timed out: {' '.join(cmd)}"
            except OSError as e:
                return TosaTestRunner.TosaGraphResult.OTHER_ERROR, f"cannot run {self.mxconf}: {e}"
            message = (p.stderr or p.stdout).strip() or None
            if p.returncode == EXIT_GRAPH_INVALID:
                return TosaTestRunner.TosaGraphResult.TOSA_ERROR, message
            if p.returncode != 0:
                return TosaTestRunner.TosaGraphResult.OTHER_ERROR, f"exit {p.returncode}: {message}"
            for name, npy in zip(desc["ofm_name"], desc["ofm_file"]):
                produced = Path(out) / f"{name}.npy"
                if not produced.is_file():
                    return TosaTestRunner.TosaGraphResult.OTHER_ERROR, f"no output for {name}"
                shutil.move(str(produced), str(self.testDirPath / npy))
        return TosaTestRunner.TosaGraphResult.TOSA_VALID, None

"""sut/canaries/canaries.py: what each outcome of a canary is called, and that the table of
expected cells covers every canary version installed and every payload.

Run by scripts/test-sut.sh (any Python 3; the last test needs the venvs: setup-sut.sh --all)."""

import importlib.util
import os
import subprocess
import tempfile
import unittest

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("canaries",
                                              os.path.join(SUT, "canaries", "canaries.py"))
canaries = importlib.util.module_from_spec(spec)
spec.loader.exec_module(canaries)


def sh(script):
    return ["bash", "-c", script]


class Classify(unittest.TestCase):
    def test_each_outcome_by_what_the_process_did(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.vgf")
            self.assertEqual(canaries.classify(sh(f"echo built >{out}"), out), ("converts", ""))
            os.remove(out)
            # Exit 0 without the output file is not support.
            self.assertEqual(canaries.classify(sh("echo 'error: nothing written' >&2"), out),
                             ("unsupported", "error: nothing written"))
            # vela's reason comes on the line after "Compilation failed".
            self.assertEqual(canaries.classify(
                sh("echo 'RuntimeError: Compilation failed: TOSA FB Reader error:' >&2;"
                   "echo ' - Unknown data type' >&2; exit 1"), out),
                ("unsupported", "Unknown data type"))
            outcome, message = canaries.classify(
                sh("echo \"prog: x.h:1: f(): Assertion \\`ok' failed.\" >&2; kill -ABRT $$"), out)
            self.assertEqual((outcome, message), ("crash", "SIGABRT Assertion `ok' failed"))
            outcome, message = canaries.classify(
                sh("echo '  what():  unordered_map::at' >&2; kill -SEGV $$"), out)
            self.assertEqual((outcome, message), ("crash", "SIGSEGV what():  unordered_map::at"))

    def test_a_hang_is_named(self):
        old = canaries.SECONDS
        canaries.SECONDS = 1
        try:
            self.assertEqual(canaries.classify(["sleep", "5"], "/nonexistent")[0], "hang")
        finally:
            canaries.SECONDS = old


class ExpectedTable(unittest.TestCase):
    def test_every_installed_canary_and_payload_has_a_cell(self):
        table = canaries.read_expected(os.path.join(SUT, "canaries", "expected.tsv"))
        listed = subprocess.run([os.path.join(SUT, "venv-path"), "--list"], capture_output=True,
                                text=True, check=True).stdout.split()
        for canary, (system, _) in canaries.CANARIES.items():
            versions = [s.split("@")[1] for s in listed if s.split("@")[0] == system]
            self.assertTrue(versions, system)
            for v in versions:
                for p in canaries.PAYLOADS:
                    self.assertIn((canary, v, p), table)
        for (canary, _, _), (outcome, message) in table.items():
            self.assertIn(canary, canaries.CANARIES)
            self.assertIn(outcome, ("converts", "unsupported", "crash", "hang"))


if __name__ == "__main__":
    unittest.main()

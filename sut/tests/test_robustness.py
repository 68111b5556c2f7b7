"""sut/robustness/probe.py: every broken file it makes is run and accounted for, and every signal
it sees is kept with the command that shows it. Run by scripts/test-sut.sh after setup-sut.sh
--all and the build (MXCONF_BIN or build/default/tools/mxconf)."""

import json
import os
import subprocess
import tempfile
import unittest

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SUT)
MXCONF = os.environ.get("MXCONF_BIN", os.path.join(ROOT, "build", "default", "tools", "mxconf"))
PROBE = os.path.join(SUT, "robustness", "probe.py")


def python_of(system):
    p = subprocess.run([os.path.join(SUT, "venv-path"), "--system", system, "--check"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"no venv for {system}: {p.stderr.strip()}")
    return os.path.join(p.stdout.strip(), "bin", "python")


class Probe(unittest.TestCase):
    def test_every_broken_file_is_run_and_every_crash_kept(self):
        with tempfile.TemporaryDirectory() as d:
            pkg, out = os.path.join(d, "pkg"), os.path.join(d, "out")
            subprocess.run([MXCONF, "export", "--cases", "3", "--seed", "3", "--out", pkg],
                           check=True, capture_output=True, timeout=300)
            p = subprocess.run([python_of("converter@0.11.0"), PROBE, "--system", "converter",
                                "--package", pkg, "--out", out, "--seconds", "60"],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "summary.json")) as f:
                summary = json.load(f)
            with open(os.path.join(out, "results.jsonl")) as f:
                rows = [json.loads(line) for line in f]
            # 3 tests, each: truncations (0, 8, 16, n/4, n/2, n-1), 8 flips, 1 zeroed run.
            self.assertEqual(len(rows), 3 * 15)
            self.assertEqual(summary["runs"], len(rows))
            self.assertEqual(sum(summary["outcomes"].values()), len(rows))
            self.assertIn("truncate:16", {r["mutation"] for r in rows})
            for r in rows:
                if r["outcome"].startswith("signal") or r["outcome"] == "hang":
                    self.assertTrue(os.path.exists(r["mutant"]), r)
                    self.assertIn(r["mutant"], r["command"])
            # A 16-byte prefix is never a graph: refused (the converter says why), not run.
            self.assertEqual({r["outcome"] for r in rows if r["mutation"] == "truncate:16"},
                             {"refused"})

    def test_the_reference_model_runs_natively_so_its_signals_show(self):
        # The venv's bin/tosa_reference_model is a Python shim that exits 245 where the binary
        # died of SIGSEGV; the probe must run the binary itself to see the signal.
        code = ("import sys; sys.path.insert(0, %r); import probe; "
                "print(probe.refmodel_command('m.tosa', '.')[0])" % os.path.dirname(PROBE))
        for system in ("refmodel@2026.5.0", "refmodel@2026.8.0"):
            p = subprocess.run([python_of(system), "-c", code], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(p.stdout.strip(), "rb") as f:
                self.assertEqual(f.read(4), b"\x7fELF", system)

    def test_a_directory_without_tests_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([python_of("converter@0.11.0"), PROBE, "--system", "converter",
                                "--package", d, "--out", os.path.join(d, "out")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertIn("no tests", p.stderr)


if __name__ == "__main__":
    unittest.main()

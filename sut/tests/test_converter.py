"""Every consumer reads mxconf's .tosa files and ExecuTorch's: Arm's model converter 0.11.0
(sut/versions/converter@0.11.0.txt) on both, and on graphs it must refuse.

Run by scripts/test-sut.sh, after it has built mxconf (build/default/tools/mxconf, or
MXCONF_BIN) and made every venv (setup-sut.sh --all)."""

import json
import os
import subprocess
import tempfile
import unittest

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SUT)
MXCONF = os.environ.get("MXCONF_BIN", os.path.join(ROOT, "build", "default", "tools", "mxconf"))


def converter():
    p = subprocess.run([os.path.join(SUT, "venv-path"), "--system", "converter@0.11.0", "--check"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"no converter venv: {p.stderr.strip()}")
    return os.path.join(p.stdout.strip(), "bin", "model-converter")


def convert(path, out):
    return subprocess.run([converter(), "--tosa-flatbuffer", "-i", path, "-o", out],
                          capture_output=True, text=True, timeout=300)


class ModelConverterReads(unittest.TestCase):
    def test_every_valid_mxconf_graph_converts_and_every_broken_one_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "pkg")
            subprocess.run([MXCONF, "export", "--cases", "24", "--seed", "3", "--invalid-fraction",
                            "0.25", "--out", pkg], check=True, capture_output=True, timeout=300)
            with open(os.path.join(pkg, "index.json")) as f:
                tests = json.load(f)["tests"]
            valid = refused = 0
            for t in tests:
                with open(os.path.join(pkg, t["name"], "desc.json")) as f:
                    desc = json.load(f)
                out = os.path.join(d, t["name"] + ".tosa")
                p = convert(os.path.join(pkg, t["name"], desc["tosa_file"]), out)
                if desc["expected_failure"]:
                    # A graph that breaks an ERROR_IF: refused with a message (the converter
                    # exits 255), never a crash (a signal shows as a negative return code).
                    self.assertGreater(p.returncode, 0, (t["name"], p.returncode, p.stderr))
                    self.assertIn("error", p.stderr.lower(), t["name"])
                    refused += 1
                else:
                    self.assertEqual(p.returncode, 0, (t["name"], p.stderr))
                    self.assertGreater(os.path.getsize(out), 0)
                    valid += 1
            self.assertGreater(valid, 10)
            self.assertGreater(refused, 0)

    def test_an_executorch_graph_converts(self):
        model = os.path.join(SUT, "tests", "cases", "linear_fp8e4m3_bias.json")
        with open(model) as f:
            case = json.load(f)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.json")
            with open(path, "w") as f:
                json.dump(case["model"], f)
            et = os.path.join(d, "et.tosa")
            p = subprocess.run([os.path.join(SUT, "executorch_arm", "lower"), path, et],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            p = convert(et, os.path.join(d, "out.tosa"))
            self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()

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


def stage(runtime, *argv):
    return subprocess.run([os.path.join(SUT, "model_converter", "exec"), "--runtime", runtime,
                           *argv], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, MXCONF_BIN=MXCONF))


class ConverterStage(unittest.TestCase):
    """sut/model_converter/exec: the converter between mxconf's lowering and a runtime."""

    def test_outputs_are_the_originals_bits_under_the_originals_names(self):
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "pkg")
            subprocess.run([MXCONF, "export", "--cases", "6", "--seed", "3", "--max-k", "128",
                            "--invalid-fraction", "0", "--out", pkg], check=True,
                           capture_output=True, timeout=300)
            with open(os.path.join(pkg, "index.json")) as f:
                tests = json.load(f)["tests"]
            self.assertGreaterEqual(len(tests), 5)
            for t in tests:
                case = os.path.join(pkg, t["name"])
                with open(os.path.join(case, "desc.json")) as f:
                    desc = json.load(f)
                tosa = os.path.join(case, desc["tosa_file"])
                inputs = [os.path.join(case, n) for n in desc["ifm_file"]]
                direct = os.path.join(d, "direct", t["name"])
                args = [a for n, p in zip(desc["ifm_name"], inputs) for a in ("--input", f"{n}={p}")]
                subprocess.run([MXCONF, "exec", tosa, *args, "--output-dir", direct], check=True,
                               capture_output=True, timeout=300)
                for runtime in ("mxconf", "refmodel@2026.8.0"):
                    out = os.path.join(d, runtime, t["name"])
                    p = stage(runtime, tosa, *inputs, out)
                    self.assertEqual(p.returncode, 0, (t["name"], runtime, p.stderr))
                    # Only the outputs, under the names desc.json gives: no work directory left.
                    self.assertEqual(sorted(os.listdir(out)), sorted(desc["ofm_file"]), runtime)
                    for name in desc["ofm_file"]:
                        with open(os.path.join(out, name), "rb") as a, \
                                open(os.path.join(direct, name), "rb") as b:
                            self.assertEqual(a.read(), b.read(), (t["name"], runtime, name))

    def test_a_refusal_is_exit_1_and_a_crash_exit_4_with_the_assertion_first(self):
        graphs = os.path.join(ROOT, "corpus", "findings", "F12")
        with tempfile.TemporaryDirectory() as d:
            import numpy as np  # the default venv's: test-sut.sh runs this file with it
            x = os.path.join(d, "x.npy")
            np.save(x, np.zeros((1, 4), np.float32))
            p = stage("mxconf", os.path.join(graphs, "const_1x4.tosa"), x, os.path.join(d, "a"))
            self.assertEqual(p.returncode, 0, p.stderr)
            # F12 (present in 0.11.0): a zero dimension aborts the converter. Once fixed, the
            # converter refuses the graph and the stage says so with exit 1.
            p = stage("mxconf", os.path.join(graphs, "const_0x4.tosa"), x, os.path.join(d, "b"))
            self.assertIn(p.returncode, (1, 4), p.stderr)
            if p.returncode == 4:
                self.assertIn("model-converter SIGABRT, assertion hasStaticShape()", p.stderr)
            with open(os.path.join(d, "junk.tosa"), "wb") as f:
                f.write(b"\x10\x00\x00\x00TOSA" + b"\xab" * 56)
            p = stage("mxconf", os.path.join(d, "junk.tosa"), x, os.path.join(d, "c"))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "c", "TosaOutput_0.npy")))

    def test_version_info_names_the_converter_and_the_runtime(self):
        p = stage("refmodel@2026.8.0", "--version-info")
        self.assertEqual(p.returncode, 0, p.stderr)
        info = json.loads(p.stdout)
        self.assertEqual(info["ai-ml-sdk-model-converter"], "0.11.0")
        self.assertEqual(info["runtime versions"]["tosa-tools"], "2026.8.0")
        self.assertEqual(stage("nothing@1", "x.tosa", "o").returncode, 2)


if __name__ == "__main__":
    unittest.main()

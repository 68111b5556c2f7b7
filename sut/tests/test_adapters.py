"""The adapters' contract (docs/external-sut.md), checked against the pinned packages.

Run by scripts/test-sut.sh with the SUT venv's Python:

    python -m unittest discover -s sut/tests -p 'test_*.py'

What is asserted here was written down from the documents (exit codes, the worker protocol, the
packed layouts of tosa-flatbuffer-format.md §6), never taken from the code under test.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXEC = os.path.join(SUT, "tosa_reference_model", "exec")
LOWER = os.path.join(SUT, "executorch_arm", "lower")
CASES = os.path.join(SUT, "tests", "cases")


def run(cmd, stdin=None, timeout=600):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)


def write_model(directory, model):
    """Writes a model description (a dict) as directory/model.json; returns its path."""
    path = os.path.join(directory, "model.json")
    with open(path, "w") as f:
        json.dump(model, f)
    return path


def case_model(name):
    """The model of a probe case in sut/tests/cases."""
    with open(os.path.join(CASES, name)) as f:
        return json.load(f)["model"]


def pinned():
    pins = {}
    with open(os.path.join(SUT, "requirements.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
            if m:
                pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


class ExitCodes(unittest.TestCase):
    def test_no_arguments_is_a_usage_error(self):
        for tool in (EXEC, LOWER):
            p = run([tool])
            self.assertEqual(p.returncode, 2, tool)
            self.assertIn("--worker", p.stderr, tool)  # the synopsis

    def test_a_file_that_is_not_a_tosa_graph_is_rejected(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.tosa")
            with open(bad, "wb") as f:
                f.write(b"\x10\x00\x00\x00TOSA" + bytes(40))
            x = os.path.join(d, "x.npy")
            np.save(x, np.zeros(32, np.float32))
            p = run([EXEC, bad, x, os.path.join(d, "out")])
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out")) and os.listdir(os.path.join(d, "out")))

    def test_a_model_that_is_not_mxconfs_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as d:
            model = write_model(d, {"mxconf_model": 9})
            p = run([LOWER, model, os.path.join(d, "out.tosa")])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("mxconf model", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out.tosa")))

    def test_a_weight_rule_executorch_lacks_is_unsupported_not_a_failure(self):
        with tempfile.TemporaryDirectory() as d:
            model = write_model(d, case_model("linear_tosa_weight_rule.json"))
            p = run([LOWER, model, os.path.join(d, "out.tosa")])
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("unsupported: weight_scale_rule tosa", p.stderr)

    def test_mxint8_is_unsupported_not_a_failure(self):
        # ExecuTorch's MXFPOpConfig offers the five float payloads only (its August 2026
        # sources): an MXINT8 layer is outside what it lowers, not a wrong lowering.
        model = case_model("linear_tosa_weight_rule.json")
        model["layers"][0].update(payload="mxint8", weight_scale_rule="rceil")
        with tempfile.TemporaryDirectory() as d:
            p = run([LOWER, write_model(d, model), os.path.join(d, "out.tosa")])
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("unsupported: payload mxint8", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out.tosa")))


    def test_an_mx_embedding_is_unsupported_not_a_failure(self):
        model = {"mxconf_model": 1, "input": {"shape": [1, 4], "dtype": "int32"},
                 "layers": [{"type": "embedding", "num_embeddings": 8, "embedding_dim": 32,
                             "payload": "fp8e4m3", "weight_scale_rule": "rceil",
                             "weights": {"seed": 3}}]}
        with tempfile.TemporaryDirectory() as d:
            p = run([LOWER, write_model(d, model), os.path.join(d, "out.tosa")])
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("unsupported: layer 0: ExecuTorch's to_mxfp converts", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out.tosa")))

    def test_the_reason_an_embedding_is_unsupported_still_holds_in_the_sources(self):
        # What lower.py's MXFP_EMBEDDING_NOTE says, read again in the installed ExecuTorch: when a
        # release adds an MX embedding, this fails and the adapter must lower it instead.
        import executorch.backends.arm as arm
        root = os.path.dirname(arm.__file__)
        with open(os.path.join(root, "ao_ext", "mxfp.py")) as f:
            swapped = re.findall(r"isinstance\(module, \(([^)]*)\)\)", f.read())
        self.assertEqual(swapped, ["torch.nn.Linear, torch.nn.Conv2d"])
        named = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x != "test"]
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(d, name), errors="replace") as f:
                        if re.search("row_gather", f.read(), re.IGNORECASE):
                            named.append(os.path.join(d, name))
        self.assertEqual(named, [])


class LoweringCache(unittest.TestCase):
    """ExecuTorch's lowering is deterministic, so a cached .tosa is the one it would write."""

    def test_two_fresh_lowerings_are_identical_and_the_cache_returns_the_same_bytes(self):
        with tempfile.TemporaryDirectory() as d:
            model = write_model(d, case_model("linear_fp8e4m3_bias.json"))
            cache = os.path.join(d, "cache")
            env = dict(os.environ, MXCONF_ET_LOWERING_CACHE=cache)
            p = subprocess.Popen([LOWER, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, env=env)

            def lower(i):
                out = os.path.join(d, f"out{i}.tosa")
                p.stdin.write(json.dumps({"id": i, "argv": [model, out]}) + "\n")
                p.stdin.flush()
                reply = json.loads(p.stdout.readline())
                self.assertEqual(reply["exit"], 0, reply["stderr"])
                with open(out, "rb") as f:
                    return f.read(), reply["stderr"]

            first, _ = lower(1)
            self.assertEqual(len(os.listdir(cache)), 1)
            for name in os.listdir(cache):
                os.remove(os.path.join(cache, name))
            second, log = lower(2)
            self.assertNotIn("lowering cached", log)
            third, log = lower(3)
            self.assertIn("lowering cached", log)
            p.stdin.close()
            p.wait(timeout=60)
            self.assertGreater(len(first), 100)
            self.assertEqual(first, second, "two fresh lowerings differ")
            self.assertEqual(first, third)


class VersionInfo(unittest.TestCase):
    def test_versions_are_the_pinned_ones(self):
        pins = pinned()
        for tool in (EXEC, LOWER):
            p = run([tool, "--version-info"])
            self.assertEqual(p.returncode, 0, p.stderr)
            versions = json.loads(p.stdout)
            for package in ("torch", "executorch", "torchao", "tosa-tools", "numpy"):
                self.assertEqual(versions.get(package), pins[package], f"{tool}: {package}")


sys.path.insert(0, SUT)
from common import adapter  # noqa: E402  (the shared adapter code, beside these tests)


class YourOwnPython(unittest.TestCase):
    """MXCONF_SUT_VENV_PYTHON (mxconf run --sut-python) runs the adapters with any Python that
    holds the packages: no mxconf venv, no marker file."""

    def test_an_adapter_runs_with_the_python_given_and_says_which(self):
        env = dict(os.environ, MXCONF_SUT_VENV_PYTHON=sys.executable,
                   MXCONF_SUT_VENV="/nonexistent/not-an-mxconf-venv")
        for tool in (EXEC, LOWER):
            p = subprocess.run([tool, "--version-info"], capture_output=True, text=True, env=env,
                               timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["python"], sys.executable)

    def test_a_python_that_is_not_there_is_named(self):
        env = dict(os.environ, MXCONF_SUT_VENV_PYTHON="/nonexistent/python")
        p = subprocess.run([EXEC, "--version-info"], capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("MXCONF_SUT_VENV_PYTHON=/nonexistent/python is not an executable", p.stderr)


class EditableSources(unittest.TestCase):
    """An editable install is recorded with its sources' digest, and the lowering cache is keyed
    on that content, so an edited checkout with an unchanged version never gets stale lowerings."""

    def test_the_digest_follows_the_content_not_the_version(self):
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "mxconf_probe_pkg")
            os.makedirs(os.path.join(pkg, "sub"))
            for name, text in (("__init__.py", "VERSION = '1.0'\n"), ("sub/m.py", "X = 1\n")):
                with open(os.path.join(pkg, name), "w") as f:
                    f.write(text)
            sys.path.insert(0, d)
            try:
                adapter._digests.clear()
                first = adapter.source_digest("mxconf_probe_pkg")
                adapter._digests.clear()
                self.assertEqual(adapter.source_digest("mxconf_probe_pkg"), first)
                with open(os.path.join(pkg, "sub", "m.py"), "w") as f:
                    f.write("X = 2\n")  # an edit; the version string stays 1.0
                adapter._digests.clear()
                self.assertNotEqual(adapter.source_digest("mxconf_probe_pkg"), first)
            finally:
                sys.path.remove(d)
                adapter._digests.clear()

    def test_an_editable_install_is_told_by_pep_610_direct_url(self):
        class Dist:
            def __init__(self, text):
                self.text = text

            def read_text(self, name):
                return self.text if name == "direct_url.json" else None

        editable = Dist(json.dumps({"url": "file:///src/executorch", "dir_info": {"editable": True}}))
        self.assertEqual(adapter.editable_location(editable), "/src/executorch")
        wheel = Dist(json.dumps({"url": "https://files/et.whl", "archive_info": {}}))
        self.assertIsNone(adapter.editable_location(wheel))
        self.assertIsNone(adapter.editable_location(Dist(None)))

    def test_the_lowering_cache_key_changes_with_the_sources(self):
        sys.path.insert(0, os.path.join(SUT, "executorch_arm"))
        import lower as et_lower
        with tempfile.TemporaryDirectory() as d:
            model = et_lower._Model(write_model(d, case_model("linear_fp8e4m3_bias.json")))
            real = adapter.source_digest
            try:
                adapter.source_digest = lambda p: "A" if p == "executorch" else real(p)
                key_a = et_lower._cache_key(model)
                adapter.source_digest = lambda p: "B" if p == "executorch" else real(p)
                key_b = et_lower._cache_key(model)
            finally:
                adapter.source_digest = real
            self.assertNotEqual(key_a, key_b)


class Worker(unittest.TestCase):
    def test_replies_carry_the_request_id_and_the_one_shot_exit_code(self):
        requests = [{"id": 7, "argv": []}, {"id": 8, "argv": ["--no-such-flag"]},
                    {"id": 9, "argv": ["/nonexistent.tosa", "/nonexistent.npy", "/tmp/x"]}]
        stdin = "".join(json.dumps(r) + "\n" for r in requests)
        p = run([EXEC, "--worker"], stdin=stdin)
        self.assertEqual(p.returncode, 0, p.stderr)
        replies = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([r["id"] for r in replies], [7, 8, 9])
        self.assertEqual(replies[0]["exit"], 2)
        self.assertEqual(replies[1]["exit"], 2)
        self.assertIn(replies[2]["exit"], (2, 4))  # a missing file: usage, or the system's failure
        self.assertNotEqual(replies[2]["stderr"], "")

    def test_an_isolating_worker_answers_a_crash_with_its_signal_and_serves_on(self):
        # A handler that aborts from native code on request "abort" (after writing to fd 2, as
        # the reference model's assertion does) and succeeds otherwise.
        script = (
            "import os, sys\n"
            f"sys.path.insert(0, {SUT!r})\n"
            "from common import adapter\n"
            "def run(argv):\n"
            "    if argv == ['abort']:\n"
            "        os.write(2, b'native: assertion failed\\n')\n"
            "        os.abort()\n"
            "sys.exit(adapter.main(run, 'usage', isolate=True))\n")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "isolating.py")
            with open(path, "w") as f:
                f.write(script)
            stdin = "".join(json.dumps({"id": i, "argv": a}) + "\n"
                            for i, a in ((1, ["ok"]), (2, ["abort"]), (3, ["ok"])))
            p = run([sys.executable, path, "--worker"], stdin=stdin)
        self.assertEqual(p.returncode, 0, p.stderr)
        replies = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([r["id"] for r in replies], [1, 2, 3])
        self.assertEqual([r["exit"] for r in replies], [0, 4, 0])
        self.assertNotIn("signal", replies[0])
        self.assertEqual(replies[1]["signal"], 6)
        self.assertEqual(replies[1]["stderr"].strip().splitlines()[-1], "native: assertion failed")
        self.assertIn("mxconf-worker: request 2: abort", p.stderr)

    def test_a_malformed_request_line_is_answered_not_fatal(self):
        p = run([EXEC, "--worker"], stdin='not json\n{"id": 3, "argv": []}\n')
        replies = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual(replies[-1]["id"], 3)
        self.assertEqual(replies[-1]["exit"], 2)


class PackedLayouts(unittest.TestCase):
    """tosa_serializer (the writer ExecuTorch's .tosa files come from) against the LSB-first
    packing of tosa-flatbuffer-format.md §6, which mxconf's writer and oracle follow."""

    def setUp(self):
        from tosa_serializer import numpy_utils

        self.np_utils = numpy_utils

    def test_fp6_codes_fill_bytes_from_the_least_significant_bit(self):
        # codes 3, 10, 17, 24 = 000011 001010 010001 011000; bit stream LSB first:
        # byte0 = 10|000011 = 0x83, byte1 = 0010|0001 (17's low 4 bits, 10's high 4) = 0x12,
        # byte2 = 011000|01 = 0x61.
        # tosa_serializer packs whole blocks of 32 codes (24 bytes).
        codes = np.array([3, 10, 17, 24] + [0] * 28, np.uint8)
        packed = bytes(np.asarray(self.np_utils.pack_6bit_array(codes), np.uint8).ravel())
        self.assertEqual(packed, b"\x83\x12\x61" + bytes(21))

    def test_fp4_codes_put_the_first_element_in_the_low_nibble(self):
        codes = np.array([1, 2, 3, 4, 0xF, 0] + [0] * 26, np.uint8)
        packed = bytes(np.asarray(self.np_utils.pack_4bit_array(codes), np.uint8).ravel())
        self.assertEqual(packed, b"\x21\x43\x0f" + bytes(13))

    def test_random_codes_round_trip(self):
        rng = np.random.default_rng(5)
        for bits, pack, unpack in ((6, self.np_utils.pack_6bit_array, self.np_utils.unpack_6bit_array),
                                   (4, self.np_utils.pack_4bit_array, self.np_utils.unpack_4bit_array)):
            codes = rng.integers(0, 1 << bits, size=(3, 64), dtype=np.uint8)
            back = np.asarray(unpack(pack(codes)), np.uint8).ravel()[: codes.size]
            np.testing.assert_array_equal(back, codes.ravel())


class NpyLayouts(unittest.TestCase):
    """What tosa-tools' save_npy writes for each MX type: the descr, the stored shape and bytes
    that mxconf exec reads and writes (runner/tosa_npy.h; tests/test_tosa_npy.cpp holds the same
    literals)."""

    def saved(self, array, dtype):
        from tosa_serializer import numpy_utils
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.npy")
            numpy_utils.save_npy(path, array, dtype)
            with open(path, "rb") as f:
                raw = f.read()
        header_len = int.from_bytes(raw[8:10], "little")
        header = raw[10:10 + header_len].decode()
        return header, raw[10 + header_len:]

    def test_each_type_is_stored_as_mxconf_exec_expects(self):
        import ml_dtypes
        from tosa_serializer import DType
        z = np.zeros((2, 32), np.uint8)
        for dtype, array, descr, shape in (
                (DType.FP8E4M3, z.view(ml_dtypes.float8_e4m3fn), "<V1", "(2, 32)"),
                (DType.FP8E5M2, z.view(ml_dtypes.float8_e5m2), "|u1", "(2, 32)"),
                (DType.FP8UE8M0, np.full((2, 1), 127, np.uint8).view(ml_dtypes.float8_e8m0fnu),
                 "<V1", "(2, 1)"),
                (DType.FP6E2M3, z.view(ml_dtypes.float6_e2m3fn), "|u1", "(2, 24)"),
                (DType.FP4E2M1, z.view(ml_dtypes.float4_e2m1fn), "|u1", "(2, 16)"),
                (DType.BF16, np.zeros((2, 3), ml_dtypes.bfloat16), "<V2", "(2, 3)")):
            header, _ = self.saved(array, dtype)
            self.assertIn(f"'descr': '{descr}'", header, dtype)
            self.assertIn(f"'shape': {shape}", header, dtype)

    def test_the_packed_bytes_are_the_ones_mxconf_reads(self):
        import ml_dtypes
        from tosa_serializer import DType
        fp4 = np.array([[i & 15 for i in range(32)]], np.uint8).view(ml_dtypes.float4_e2m1fn)
        _, data = self.saved(fp4, DType.FP4E2M1)
        self.assertEqual(data, bytes(((2 * i + 1) & 15) << 4 | ((2 * i) & 15) for i in range(16)))
        fp6 = np.array([[1 + i % 4 for i in range(32)]], np.uint8).view(ml_dtypes.float6_e3m2fn)
        _, data = self.saved(fp6, DType.FP6E3M2)
        self.assertEqual(data, b"\x81\x30\x10" * 8)


class FormatCopies(unittest.TestCase):
    """The ExecuTorch adapter keeps its own SplitMix stream, bias seed and conv output size (it
    reads mxconf's model format without mxconf's code): each copy against the test vectors of
    docs/model-format.md."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.join(SUT, "executorch_arm"))
        sys.path.insert(0, SUT)
        import lower  # noqa: E402

        cls.lower = lower

    def bits(self, values):
        return [int(np.float32(v).view(np.uint32)) for v in values]

    def test_the_seeded_stream(self):
        self.assertEqual(self.bits(self.lower._seeded(1, 4, 1.0)),
                         [0x3e085168, 0x3d9025c0, 0x3efbae34, 0xbe5388a0])
        self.assertEqual(self.bits(self.lower._seeded(1, 4, 0.125)),
                         [0x3c885168, 0x3c1025c0, 0x3d7bae34, 0xbcd388a0])

    def test_the_derived_bias(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_model(d, {"mxconf_model": 1, "input": {"shape": [32]},
                                   "layers": [{"in_features": 32, "out_features": 4, "bias": True,
                                               "payload": "fp8e4m3", "weights": {"seed": 1}}]})
            b = self.lower._Model(path).layers[0]["b"]
        self.assertEqual(self.bits(b[:4]), [0xbda2e8ad, 0xbbb0c41a, 0x3d8cb972, 0x3d1355d3])

    def test_the_conv_output_size(self):
        # (H, pad, KH, dilation, stride) -> OH, for the documented sizes with symmetric pads.
        for h, pad, k, dil, stride, oh in [(7, 1, 3, 2, 2, 3), (5, 0, 2, 1, 1, 4), (1, 3, 7, 1, 1, 1)]:
            with tempfile.TemporaryDirectory() as d:
                path = write_model(d, {"mxconf_model": 1, "input": {"shape": [1, 32, h, h]},
                                       "layers": [{"type": "conv2d", "in_channels": 32,
                                                   "out_channels": 2, "kernel": k, "padding": pad,
                                                   "dilation": dil, "stride": stride,
                                                   "payload": "fp8e4m3", "weights": {"seed": 1}}]})
                self.assertEqual(self.lower._output_shape(self.lower._Model(path)), (1, 2, oh, oh))

if __name__ == "__main__":
    unittest.main()

"""sut/pairs.sh's pair names, and that every per-pair file names a pair it knows.

Run by scripts/test-sut.sh (any Python 3; needs bash and sut/venv-path, not the venvs)."""

import glob
import json
import os
import re
import subprocess
import unittest

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SUT)


def pairs_sh(snippet):
    # As the scripts source it: under `set -euo pipefail` (a system listed last that is in no
    # pair, vela@5.2.0, once made sourcing fail there).
    p = subprocess.run(["bash", "-c", f"set -euo pipefail; source {SUT}/pairs.sh; {snippet}"],
                       capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def pinned(package):
    with open(os.path.join(SUT, "requirements.txt")) as f:
        return re.search(rf"^{package}==(\S+)$", f.read(), re.M).group(1)


class PairNames(unittest.TestCase):
    def test_a_system_without_a_version_is_the_pinned_one(self):
        rm, et = pinned("tosa-tools"), pinned("executorch")
        for given, full in (("mxconf", "mxconf"), ("mxconf+refmodel", f"mxconf+refmodel@{rm}"),
                            ("executorch+mxconf", f"executorch@{et}+mxconf"),
                            ("executorch+refmodel@2026.8.0", f"executorch@{et}+refmodel@2026.8.0")):
            code, out, err = pairs_sh(f"pair_name {given}")
            self.assertEqual((code, out), (0, full), err)

    def test_the_flags_pick_each_version(self):
        code, out, _ = pairs_sh("pair_flags mxconf+refmodel@2026.8.0")
        self.assertEqual(code, 0)
        self.assertIn("sut/tosa_reference_model/exec --system refmodel@2026.8.0 {tosa}", out)
        code, out, _ = pairs_sh("pair_flags mxconf")
        self.assertEqual((code, out), (0, ""))

    def test_a_converter_stage_names_its_version_and_wraps_the_runtime(self):
        rm = pinned("tosa-tools")
        for given, full in (("mxconf+converter+mxconf", "mxconf+converter@0.11.0+mxconf"),
                            ("executorch+converter@0.11.0+refmodel",
                             f"executorch@{pinned('executorch')}+converter@0.11.0+refmodel@{rm}")):
            code, out, err = pairs_sh(f"pair_name {given}")
            self.assertEqual((code, out), (0, full), err)
        code, out, _ = pairs_sh("pair_flags mxconf+converter+refmodel@2026.8.0")
        self.assertEqual(code, 0)
        self.assertEqual(out.split("\n"), [
            "--sut-exec", "sut/model_converter/exec --system converter@0.11.0 --runtime "
            "refmodel@2026.8.0 {tosa} {inputs} {outdir}", "--sut-worker"])
        code, out, _ = pairs_sh("pair_flags mxconf+converter+mxconf")
        self.assertIn("--runtime mxconf {tosa}", out)

    def test_unknown_systems_versions_and_roles_are_refused_by_name(self):
        for given, words in (("mxconf+refmodel@1.0", "unknown version 'refmodel@1.0'"),
                             ("foo+mxconf", "unknown system 'foo'"),
                             ("refmodel+mxconf", "the lowering is mxconf or executorch"),
                             ("mxconf@1+mxconf", "mxconf has no versions"),
                             ("mxconf+refmodel+mxconf", "the stage between lowering and runtime"),
                             ("mxconf+converter", "the runtime mxconf or refmodel"),
                             ("mxconf+converter@9.9+mxconf", "unknown version 'converter@9.9'"),
                             ("a+b+c+d", "LOWERING+converter@VERSION+RUNTIME")):
            code, out, err = pairs_sh(f"pair_flags {given}")
            self.assertEqual(code, 2, given)
            self.assertEqual(out, "")
            self.assertIn(words, err)

    def test_pinned_and_newest_pairs_are_full_names(self):
        code, out, _ = pairs_sh('printf "%s\\n" "${PINNED_PAIRS[@]}"; echo --; '
                                'printf "%s\\n" "${NEWEST_PAIRS[@]}"')
        pinned_pairs, newest = out.split("\n--")
        self.assertIn(f"mxconf+refmodel@{pinned('tosa-tools')}", pinned_pairs.split())
        self.assertIn("mxconf+refmodel@2026.8.0", newest.split())
        self.assertIn(f"mxconf+converter@0.11.0+refmodel@{pinned('tosa-tools')}",
                      pinned_pairs.split())


class PerPairFiles(unittest.TestCase):
    """expected.tsv and reports/pairs/ use the full names of pairs sut/pairs.sh runs."""

    def setUp(self):
        _, out, _ = pairs_sh('printf "%s\\n" "${PAIRS[@]}"')
        self.pairs = set(out.split())

    def test_every_pair_has_its_fixed_case_verdicts_and_every_line_a_known_pair(self):
        with open(os.path.join(SUT, "tests", "expected.tsv")) as f:
            named = {line.split("\t")[0] for line in f if line.strip() and not line.startswith("#")}
        self.assertEqual(named, self.pairs)

    def test_every_xfail_list_is_a_known_pair_and_links_to_a_finding_that_exists(self):
        with open(os.path.join(ROOT, "docs", "findings.md")) as f:
            heads = [l[3:].strip() for l in f if l.startswith("## ")]
        anchors = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}
        lists = glob.glob(os.path.join(ROOT, "reports", "pairs", "*", "xfail.json"))
        self.assertTrue(lists)
        for path in lists:
            pair = os.path.basename(os.path.dirname(path))
            self.assertIn(pair, self.pairs, path)
            with open(path) as f:
                for entry in json.load(f)["known_failures"]:
                    self.assertIn(entry["link"].split("#")[1], anchors, (path, entry["symptom"]))


if __name__ == "__main__":
    unittest.main()

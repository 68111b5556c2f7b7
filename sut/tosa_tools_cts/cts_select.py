"""Splits generated TOSA conformance tests into what mxconf implements and what it does not yet,
and summarizes a run of tosa_verif_run_tests from its xunit file. Used by scripts/test-tosa-cts.sh.

    cts_select.py select TESTS_DIR RUN_LIST NOT_IMPLEMENTED_LIST
    cts_select.py summarize RUN_LIST NOT_IMPLEMENTED_LIST XUNIT.xml

A test is "not implemented" when it needs something mxconf does not implement: of
RESHAPE_BLOCK_SCALED and ROW_GATHER_BLOCK_SCALED, the one-element tensor lists (no scales) of a type
other than FP32 and BF16 (bool, integers, fp16, fp8 without scales: valid TOSA, but not MX, and
not types mxconf's interpreter carries). Those are counted and listed, never run as if they could
pass, and never counted as passes. Every other test must pass: a positive test bit-exactly or
within tosa_verify's bounds, a negative test by being rejected as a TOSA error.
"""
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

NOT_IMPLEMENTED_EXTENSIONS = set()
# Operators whose one-element (unscaled) lists mxconf runs only for these types.
TENSOR_LIST_OPS = {"RESHAPE_BLOCK_SCALED", "ROW_GATHER_BLOCK_SCALED"}
UNSCALED_TYPES = {"FP32", "BF16"}


def _desc(test_dir):
    return json.loads((Path(test_dir) / "desc.json").read_text())


def _op(desc):
    return desc.get("test_details", {}).get("operator", "?")


def why_not_implemented(desc):
    types = desc.get("test_details", {}).get("output_types", [])
    if _op(desc) in TENSOR_LIST_OPS and len(types) == 1 and types[0] not in UNSCALED_TYPES:
        return f"unscaled {types[0]}"
    exts = set(desc.get("test_requirements", {}).get("extensions_required", []))
    missing = sorted(exts & NOT_IMPLEMENTED_EXTENSIONS)
    return missing[0] if missing else None


def select(tests_dir, run_list, skip_list):
    run, skip = [], []
    for d in sorted(p.parent for p in Path(tests_dir).rglob("desc.json")):
        (skip if why_not_implemented(_desc(d)) else run).append(str(d))
    Path(run_list).write_text("".join(t + "\n" for t in run))
    Path(skip_list).write_text("".join(t + "\n" for t in skip))
    print(f"cts: {len(run)} tests to run, {len(skip)} not implemented by mxconf yet")


def summarize(run_list, skip_list, xunit):
    kind = {}
    for t in Path(run_list).read_text().split():
        d = _desc(t)
        kind[Path(t).name] = (_op(d), "negative" if d["expected_failure"] else "positive")
    # xunit: one testsuite per SUT module; ours is mxconf_sut. A testcase with a <failure> or
    # <error> child did not pass; <skipped> did not run.
    outcome = {}
    for suite in ET.parse(xunit).getroot().iter("testsuite"):
        if suite.get("name") != "mxconf_sut":
            continue
        for case in suite.iter("testcase"):
            name = Path(case.get("name", "")).name
            bad = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            outcome[name] = bad[0] if bad else "pass"
    table = defaultdict(Counter)
    failed = []
    for name, (op, sign) in sorted(kind.items()):
        got = outcome.get(name, "missing")
        table[op][f"{sign} {'pass' if got == 'pass' else 'FAIL'}"] += 1
        if got != "pass":
            failed.append(f"{name}: {got}")
    skipped = defaultdict(Counter)
    for t in Path(skip_list).read_text().split():
        d = _desc(t)
        skipped[_op(d)][why_not_implemented(d)] += 1
    print(f"{'operator':<26} {'positive':>14} {'negative':>14}  not implemented yet")
    for op in sorted(set(table) | set(skipped)):
        c = table[op]
        pos = f"{c['positive pass']}/{c['positive pass'] + c['positive FAIL']}"
        neg = f"{c['negative pass']}/{c['negative pass'] + c['negative FAIL']}"
        why = ", ".join(f"{n} ({w})" for w, n in sorted(skipped[op].items()))
        print(f"{op:<26} {pos:>14} {neg:>14}  {why or '-'}")
    for f in failed:
        print(f"cts: FAILED {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "select":
        select(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "summarize":
        sys.exit(summarize(*sys.argv[2:]))
    else:
        sys.exit(__doc__)

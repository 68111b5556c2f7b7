"""Compares a run of the fixed cases (mxconf run --case-files sut/tests/cases) with what each
system is known to do there (sut/tests/expected.tsv, each line triaged: docs/findings.md).

    check_expected.py PAIR RUN_DIR [EXPECTED.tsv]

A line is `pair<TAB>case<TAB>verdict<TAB>detail`: the level for a pass, the symptom otherwise
("-" for none). Exit 1, listing every difference, when the run differs in any case.
"""

import json
import os
import sys


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    pair, run_dir = argv[0], argv[1]
    table = argv[2] if len(argv) == 3 else os.path.join(os.path.dirname(__file__), "expected.tsv")
    want = {}
    with open(table) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 4:
                print(f"{table}:{n}: expected 4 tab-separated fields", file=sys.stderr)
                return 2
            if fields[0] == pair:
                want[fields[1]] = (fields[2], fields[3])
    if not want:
        print(f"{table}: no line for pair {pair}", file=sys.stderr)
        return 2
    got = {}
    with open(os.path.join(run_dir, "results.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            detail = r.get("level") if r["verdict"] == "pass" else r.get("symptom", "-")
            got[r["name"]] = (r["verdict"], detail or "-")
    differences = []
    for case in sorted(set(want) | set(got)):
        w, g = want.get(case, ("(no expectation)", "")), got.get(case, ("(not run)", ""))
        if w != g:
            differences.append(f"  {case}: expected {w[0]} [{w[1]}], got {g[0]} [{g[1]}]")
    print(f"{pair}: {len(want) - len([d for d in differences])} of {len(want)} fixed cases as expected")
    if differences:
        print("\n".join(differences))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

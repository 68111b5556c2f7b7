"""Sets tosa_verify's verdicts beside mxconf check's on the same outputs.

    compare-verify CHECK_DIR VERIFY.jsonl [-o TABLE.md]

CHECK_DIR is `mxconf check --out`'s directory (results.jsonl); VERIFY.jsonl is what
`run-package --verify` wrote. Prints a Markdown table: mxconf's verdict (and conformance level)
against tosa_verify's, with every disagreement listed by test name.
"""

import collections
import json
import sys


def main(argv):
    if len(argv) not in (2, 4):
        print(__doc__, file=sys.stderr)
        return 2
    ours = {}
    with open(argv[0] + "/results.jsonl") as f:
        for line in f:
            j = json.loads(line)
            if j.get("facets", {}).get("valid", True):
                v = j["verdict"] + (f" ({j['level']})" if j.get("level") else "")
                if j["verdict"] == "fail":
                    v += f" tier {j.get('tier')}"
                ours[j["name"]] = (v, j.get("message", ""))
    theirs = {}
    with open(argv[1]) as f:
        for line in f:
            j = json.loads(line)
            theirs[j["test"]] = (j["verdict"], j.get("message", ""))
    table = collections.Counter()
    disagreements = []
    for test, (tv, tmsg) in sorted(theirs.items()):
        ov, omsg = ours.get(test, ("missing", ""))
        table[(ov, tv)] += 1
        agree = (ov.startswith("pass") and tv == "compliant") or (
            (ov.startswith("fail") or ov.startswith("error")) and tv != "compliant")
        if not agree:
            disagreements.append((test, ov, omsg, tv, tmsg))
    out = ["| mxconf check | tosa_verify | tests |", "|---|---|---|"]
    for (ov, tv), n in sorted(table.items()):
        out.append(f"| {ov} | {tv} | {n} |")
    out.append("")
    out.append(f"{len(theirs) - len(disagreements)} of {len(theirs)} valid tests agree; "
               f"{len(disagreements)} disagree.")
    for test, ov, omsg, tv, tmsg in disagreements:
        out.append(f"- `{test}`: mxconf {ov} ({omsg[:120]}); tosa_verify {tv} ({tmsg[:160]})")
    text = "\n".join(out) + "\n"
    if len(argv) == 4:
        with open(argv[3], "w") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

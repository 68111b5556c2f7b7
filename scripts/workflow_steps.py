#!/usr/bin/env python3
"""The run: steps of .github/workflows/, outside GitHub.

    workflow_steps.py shellcheck WORKFLOW.yml...     shellcheck every run: step (bash)
    workflow_steps.py check                          what the workflows promise: actions pinned
                                                     to a commit, a timeout on every job, the
                                                     nightly's pairs = sut/pairs.sh's
    workflow_steps.py run WORKFLOW.yml JOB [--matrix K=V]... [--env K=V]...
                                                     runs JOB's run: steps here, in order, as
                                                     written, with the workflow's, job's and
                                                     step's env (--env overrides: sizes for a
                                                     tiny shard); steps that use an action are
                                                     skipped (checkout: this is the clone; the
                                                     artifacts: one filesystem), and so is the
                                                     container's apt bootstrap

Expressions (${{ ... }}) are replaced only where they are plain references this script can know:
matrix.*, strategy.job-index, github.run_id, github.workspace; any other expression in a run:
step or an env value is an error, so the local run never silently differs from the workflow.
Needs PyYAML (Debian python3-yaml).
"""

import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def substitute(text, known, where):
    def one(m):
        if m.group(1) not in known:
            raise SystemExit(f"workflow_steps: {where}: cannot emulate the expression "
                             f"'${{{{ {m.group(1)} }}}}'")
        return str(known[m.group(1)])
    return EXPR.sub(one, str(text))


def run_steps(wf):
    for name, job in wf["jobs"].items():
        for i, step in enumerate(job.get("steps", [])):
            if "run" in step:
                yield name, i, step


def cmd_shellcheck(paths):
    status = 0
    for path in paths:
        for job, i, step in run_steps(load(path)):
            script = "#!/bin/bash\n" + EXPR.sub("placeholder", step["run"]) + "\n"
            p = subprocess.run(["shellcheck", "-s", "bash", "-"], input=script, text=True,
                               capture_output=True)
            if p.returncode != 0:
                status = 1
                print(f"{path}: job {job}, step {i + 1} ({step.get('name', 'run')}):\n{p.stdout}")
    if status == 0:
        print(f"shellcheck: every run: step of {len(paths)} workflows is clean")
    return status


def pairs_from_pairs_sh():
    p = subprocess.run(["bash", "-c", 'source sut/pairs.sh; printf "%s\\n" "${PAIRS[@]}"'],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    return [x for x in p.stdout.split() if x != "mxconf"]


def cmd_check():
    problems = []
    wf_dir = os.path.join(ROOT, ".github", "workflows")
    for name in sorted(os.listdir(wf_dir)):
        wf = load(os.path.join(wf_dir, name))
        for job_name, job in wf["jobs"].items():
            if "timeout-minutes" not in job:
                problems.append(f"{name}: job {job_name} has no timeout-minutes")
            for step in job.get("steps", []):
                uses = step.get("uses")
                if uses and not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses):
                    problems.append(f"{name}: job {job_name}: '{uses}' is not pinned to a commit")
    nightly = load(os.path.join(wf_dir, "nightly.yml"))
    listed = nightly["jobs"]["pairs"]["strategy"]["matrix"]["pair"]
    if listed != pairs_from_pairs_sh():
        problems.append(f"nightly.yml's pairs {listed} are not sut/pairs.sh's PAIRS "
                        f"{pairs_from_pairs_sh()} (without mxconf)")
    for p in problems:
        print(f"workflow_steps: {p}", file=sys.stderr)
    if not problems:
        print("workflows: every action pinned to a commit, every job bounded in time, the "
              "nightly's pairs are sut/pairs.sh's")
    return 1 if problems else 0


def cmd_run(path, job_name, matrix, overrides):
    wf = load(path)
    job = wf["jobs"][job_name]
    known = {"github.run_id": overrides.get("SEED", "1"), "github.workspace": ROOT,
             "strategy.job-index": "0"}
    known.update({f"matrix.{k}": v for k, v in matrix.items()})
    env = dict(os.environ)
    for scope, values in (("workflow env", wf.get("env", {})), (f"job {job_name} env",
                                                                  job.get("env", {}))):
        for k, v in values.items():
            env[k] = substitute(v, known, scope)
    env.update(overrides)
    env["GITHUB_WORKSPACE"] = ROOT
    env["CI"] = "true"
    for i, step in enumerate(job.get("steps", [])):
        label = f"{job_name} step {i + 1} ({step.get('name', step.get('uses', 'run'))})"
        if "uses" in step:
            print(f"workflow_steps: {label}: an action, skipped here", flush=True)
            continue
        if step["run"].lstrip().startswith("apt-get"):
            print(f"workflow_steps: {label}: the container's apt bootstrap, skipped here",
                  flush=True)
            continue
        step_env = dict(env)
        for k, v in step.get("env", {}).items():
            step_env[k] = substitute(v, known, label)
        script = substitute(step["run"], known, label)
        print(f"workflow_steps: {label}: {script.strip()}", flush=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write(script + "\n")
        try:
            # GitHub runs a run: step as `bash -e {0}` (the default shell where bash exists).
            p = subprocess.run(["bash", "-e", f.name], cwd=ROOT, env=step_env)
        finally:
            os.unlink(f.name)
        if p.returncode != 0:
            print(f"workflow_steps: {label} exited {p.returncode}", file=sys.stderr)
            return p.returncode
    return 0


def pairs_of(args, flag):
    out = {}
    while flag in args:
        i = args.index(flag)
        k, _, v = args[i + 1].partition("=")
        out[k] = v
        del args[i:i + 2]
    return out


def main(argv):
    if argv[:1] == ["shellcheck"] and len(argv) > 1:
        return cmd_shellcheck(argv[1:])
    if argv == ["check"]:
        return cmd_check()
    if argv[:1] == ["run"] and len(argv) >= 3:
        rest = argv[3:]
        matrix, overrides = pairs_of(rest, "--matrix"), pairs_of(rest, "--env")
        if rest:
            print(f"workflow_steps: unknown arguments {rest}", file=sys.stderr)
            return 2
        return cmd_run(argv[1], argv[2], matrix, overrides)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

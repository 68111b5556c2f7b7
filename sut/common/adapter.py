"""What every mxconf adapter shares: exit codes, one-shot and worker modes, version info.

An adapter is a command mxconf runs per case (docs/external-sut.md), or, with --worker, a
long-lived process that serves the same commands one JSON line at a time:

    request:  {"id": 7, "argv": ["model.tosa", "input-0.npy", "outdir"]}
    reply:    {"id": 7, "exit": 0, "stderr": "..."}

"argv" is exactly what the one-shot command would get after its program name; "exit" is what it
would exit with. The reply channel is the process's original stdout: anything else printed to
stdout (by the system under test's native code, say) is sent to stderr instead.
"""

import contextlib
import importlib.metadata
import io
import json
import os
import sys
import traceback

OK = 0
REJECTED = 1  # the system refused the graph (or model) as invalid
USAGE = 2  # the adapter was called wrongly
UNSUPPORTED = 3  # the system cannot handle this at all (a dim order, dtype or shape): not a verdict
INTERNAL = 4  # the system or the adapter failed unexpectedly

# The packages whose versions a run records (run.json provenance).
PACKAGES = ["executorch", "torch", "torchao", "tosa-tools", "flatbuffers", "numpy", "ml_dtypes"]


class Unsupported(Exception):
    """The system cannot handle the request at all; the message is the one-line reason."""


class Rejected(Exception):
    """The system rejected the graph or model as invalid; the message says why."""


def versions():
    """Each package's version; for an editable install (your own checkout) also where its
    sources are, their digest and git commit, under "<package> source"; and the interpreter."""
    out = {"python": sys.executable}
    for p in PACKAGES:
        try:
            dist = importlib.metadata.distribution(p)
        except importlib.metadata.PackageNotFoundError:
            continue
        out[p] = dist.version
        where = editable_location(dist)
        if where:
            out[p + " source"] = {"path": where, "sha256": source_digest(p), "git": _git_state(where)}
    return out


def editable_location(dist):
    """The source directory of an editable install (PEP 610 direct_url.json), else None."""
    try:
        info = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return None
    if not info.get("dir_info", {}).get("editable"):
        return None
    url = info.get("url", "")
    return url[len("file://"):] if url.startswith("file://") else url or None


def _git_state(path):
    """"<commit>" or "<commit>+dirty" for a git checkout, else None."""
    import subprocess
    try:
        commit = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


_digests = {}


def source_digest(package):
    """SHA-256 over the Python sources of an importable package (each file's path relative to
    the package and its bytes, in path order): what a lowering depends on, whatever the version
    string says. An edited checkout gets a new digest. Computed once per process."""
    if package in _digests:
        return _digests[package]
    import hashlib
    import importlib.util
    module = {"tosa-tools": "tosa_serializer"}.get(package, package.replace("-", "_"))
    h = hashlib.sha256()
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        files = []
        for d, _, names in os.walk(root):
            files += [os.path.join(d, n) for n in names if n.endswith(".py")]
        for f in sorted(files):
            h.update(os.path.relpath(f, root).encode() + b"\0")
            with open(f, "rb") as fh:
                h.update(fh.read())
    _digests[package] = h.hexdigest() if roots else None
    return _digests[package]


def run_once(handler, argv, err):
    """Runs handler(argv) and maps its outcome to an exit code, messages to `err`."""
    try:
        handler(argv)
        return OK
    except Unsupported as e:
        print(f"unsupported: {e}", file=err)
        return UNSUPPORTED
    except Rejected as e:
        print(f"rejected: {e}", file=err)
        return REJECTED
    except UsageError as e:
        print(f"usage: {e}", file=err)
        return USAGE
    except Exception:  # the system under test failed: report it, do not hide it
        traceback.print_exc(file=err)
        return INTERNAL


class UsageError(Exception):
    pass


def run_forked(handler, argv):
    """Runs one request in a forked child: (exit code, signal, stderr for the reply).

    A system whose native code keeps state between runs, or crashes, then costs one request
    and never the worker: each request meets the system as a one-shot process would, right
    after loading. The child's native stderr (warnings, backtraces, an assertion) is captured:
    a crash is answered with it, as a one-shot process's stderr would show it, and it is copied
    to the worker's log either way."""
    import tempfile

    with tempfile.TemporaryFile() as native, tempfile.TemporaryFile(mode="w+") as text:
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = INTERNAL
            try:
                os.dup2(native.fileno(), 2)
                err = io.StringIO()
                with contextlib.redirect_stderr(err):
                    code = run_once(handler, argv, err)
                text.write(err.getvalue())
                text.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        native.seek(0)
        native_text = native.read().decode("utf-8", "replace")
        text.seek(0)
        message = text.read()
    sys.stderr.write(native_text + message)
    if os.WIFSIGNALED(status):
        return INTERNAL, os.WTERMSIG(status), native_text + message
    return os.WEXITSTATUS(status), 0, message


def _serve(handler, isolate):
    # The protocol owns the real stdout; stray prints from native code go to stderr.
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            rid, argv = req["id"], [str(a) for a in req["argv"]]
        except (ValueError, KeyError, TypeError) as e:
            channel.write(json.dumps({"id": None, "exit": USAGE, "stderr": f"bad request: {e}"}) + "\n")
            continue
        # The worker's own log (mxconf keeps it per worker) names every request before it runs,
        # so a crash can be traced to the request that caused it.
        sys.stderr.write(f"mxconf-worker: request {rid}: {' '.join(argv)}\n")
        sys.stderr.flush()
        reply = {"id": rid}
        if isolate:
            reply["exit"], sig, text = run_forked(handler, argv)
            if sig:
                reply["signal"] = sig  # the request's process was killed (docs/external-sut.md)
        else:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                reply["exit"] = run_once(handler, argv, err)
            text = err.getvalue()
            sys.stderr.write(text)
        reply["stderr"] = text[-4096:]
        channel.write(json.dumps(reply) + "\n")


def main(handler, usage, isolate=False, version_info=versions):
    """The entry point: `--version-info`, `--worker`, or one request from the command line.
    With isolate, a worker runs each request in a forked child (run_forked). version_info gives
    --version-info's object (by default the packages of this Python's environment)."""
    argv = sys.argv[1:]
    if argv == ["--version-info"]:
        print(json.dumps(version_info(), sort_keys=True))
        return OK
    if argv == ["--worker"]:
        _serve(handler, isolate)
        return OK
    if not argv or argv[0] in ("-h", "--help"):
        print(usage, file=sys.stderr)
        return USAGE
    return run_once(handler, argv, sys.stderr)


def result_file_name(tensor):
    """The file an output tensor goes to, named as mxconf names it (mxconf exec, desc.json)."""
    s = "".join(c if c.isalnum() or c in "._-" else "_" for c in tensor)
    if not s or s[0] == ".":
        s = "_" + s
    return s + ".npy"


def save_npy_atomic(path, array):
    import numpy as np

    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
    os.replace(tmp, path)

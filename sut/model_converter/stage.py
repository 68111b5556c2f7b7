"""Arm's ML SDK Model Converter as a stage in front of a runtime, for mxconf's --sut-exec.

    exec TOSA INPUT.npy... OUTDIR    convert TOSA with the model converter, run the result on the
                                     runtime, write its outputs into OUTDIR named after the
                                     original graph's outputs
    exec --worker                    serve such requests one JSON line at a time (sut/common)
    exec --version-info              the converter's version and the runtime's, as JSON

The bash wrapper (exec) picks the converter and the runtime: MXCONF_CONVERTER_BINARY,
MXCONF_CONVERTER_SYSTEM and MXCONF_STAGE_RUNTIME (`mxconf` or refmodel@VERSION).

Exit codes (sut/common/adapter.py): 0 ran; 1 the converter or the runtime refused the graph;
3 the runtime cannot run what the converter wrote (unsupported); 4 the converter or the runtime
failed: a signal, a timeout, or a graph whose inputs or outputs no longer match the original.
"""

import glob
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile

SUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SUT)
sys.path.insert(0, SUT)

from common import adapter  # noqa: E402

# How long one conversion may take. Every conversion seen takes under a second, but the
# robustness probe found a graph the converter never finishes (docs/findings.md): mxconf's own
# --sut-timeout would then kill the whole stage; this names the converter as the one that hung.
CONVERT_SECONDS = 120


# Address space for one conversion: a graph that makes the converter allocate without bound
# (F12: a negative FP6/FP4 dimension) ends in std::bad_alloc within seconds instead of taking the
# machine's memory until CONVERT_SECONDS.
CONVERT_MEMORY = 4 << 30


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (CONVERT_MEMORY, CONVERT_MEMORY))


def _graph_io(path):
    """(input names, output names) of the main block of the .tosa at path."""
    from tosa.TosaGraph import TosaGraph

    with open(path, "rb") as f:
        g = TosaGraph.GetRootAs(f.read(), 0)
    if g.RegionsLength() < 1 or g.Regions(0).BlocksLength() < 1:
        raise adapter.Rejected(f"{os.path.basename(path)} has no region or block")
    b = g.Regions(0).Blocks(0)
    return ([b.Inputs(i).decode() for i in range(b.InputsLength())],
            [b.Outputs(i).decode() for i in range(b.OutputsLength())])


def _tail(text, lines=6):
    return " | ".join(l.strip() for l in text.strip().splitlines()[-lines:])


def _why(stderr):
    """', what failed' for a crash whose log says: the failed assertion's condition or the
    uncaught exception's what(), without the build machine's paths; else ''. It leads the
    message, so mxconf's symptom (the message's start) tells one crash from another."""
    for line in stderr.splitlines():
        m = re.search(r"Assertion `(.*)' failed", line) or re.search(r"what\(\):\s*(.*)", line)
        if m:
            return f", {m.group(0) if 'what' in m.group(0)[:5] else 'assertion ' + m.group(1)}"
    return ""


def convert(src, dst):
    """Runs the converter; raises Rejected when it refuses the graph, RuntimeError when it fails."""
    binary = os.environ["MXCONF_CONVERTER_BINARY"]
    try:
        p = subprocess.run([binary, "--tosa-flatbuffer", "-i", src, "-o", dst],
                           capture_output=True, text=True, timeout=CONVERT_SECONDS,
                           preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the model converter did not finish within {CONVERT_SECONDS} s")
    if p.returncode < 0:
        # Short and cause first: mxconf's symptom keeps the first 140 characters or so.
        raise RuntimeError(f"model-converter {signal.Signals(-p.returncode).name}"
                           f"{_why(p.stderr)}: {_tail(p.stderr)}")
    if p.returncode != 0:
        raise adapter.Rejected(f"the model converter refused the graph (exit {p.returncode}): "
                               f"{_tail(p.stderr, 3)}")
    if not os.path.isfile(dst) or os.path.getsize(dst) == 0:
        raise RuntimeError("the model converter exited 0 but wrote no .tosa")


class RefModel:
    """sut/tosa_reference_model/exec as one long-lived worker (it forks per request itself)."""

    def __init__(self, system):
        self.cmd = [os.path.join(SUT, "tosa_reference_model", "exec"), "--system", system]
        self.proc = None
        self.next_id = 0

    def version_info(self):
        p = subprocess.run(self.cmd + ["--version-info"], capture_output=True, text=True,
                           timeout=120)
        return json.loads(p.stdout) if p.returncode == 0 else {"error": _tail(p.stderr)}

    def run(self, tosa, input_names, inputs, outdir):
        del input_names  # the reference model takes inputs in graph order
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(self.cmd + ["--worker"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, bufsize=1)
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"id": self.next_id,
                                          "argv": [tosa] + inputs + [outdir]}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.proc = None
            raise RuntimeError("the reference model's worker exited without a reply")
        reply = json.loads(line)
        code, text = reply["exit"], reply.get("stderr", "")
        if reply.get("signal"):
            raise RuntimeError(f"the reference model was killed by "
                               f"{signal.Signals(reply['signal']).name} on the converted graph: "
                               f"{_tail(text)}")
        return code, text


class Mxconf:
    """mxconf exec, a process per request (a C++ binary: no start-up to save)."""

    # mxconf exec's exit codes (mxconf exec --help) as adapter codes.
    CODES = {0: adapter.OK, 3: adapter.REJECTED, 4: adapter.UNSUPPORTED}

    def __init__(self):
        self.binary = os.environ.get("MXCONF_BIN",
                                     os.path.join(ROOT, "build", "default", "tools", "mxconf"))

    def version_info(self):
        return {"mxconf": self.binary}

    def run(self, tosa, input_names, inputs, outdir):
        cmd = [self.binary, "exec", tosa, "--output-dir", outdir]
        for name, path in zip(input_names, inputs):
            cmd += ["--input", f"{name}={path}"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        return self.CODES.get(p.returncode, adapter.INTERNAL), p.stderr


_runtime = None


def runtime():
    global _runtime
    if _runtime is None:
        name = os.environ["MXCONF_STAGE_RUNTIME"]
        if name == "mxconf":
            _runtime = Mxconf()
        elif name.startswith("refmodel@"):
            _runtime = RefModel(name)
        else:
            raise adapter.UsageError(f"unknown runtime '{name}' (mxconf or refmodel@VERSION)")
    return _runtime


def run(argv):
    if len(argv) < 2:
        raise adapter.UsageError("exec TOSA INPUT.npy... OUTDIR")
    tosa, inputs, outdir = argv[0], argv[1:-1], argv[-1]
    try:
        orig_in, orig_out = _graph_io(tosa)
    except adapter.Rejected:
        raise
    except Exception as e:  # not a flatbuffer tosa-tools' schema reads: the converter refuses too
        raise adapter.Rejected(f"unreadable .tosa: {e}")
    os.makedirs(outdir, exist_ok=True)
    # Work inside OUTDIR so that the results move into place with os.replace (one file system).
    with tempfile.TemporaryDirectory(prefix=".converter-", dir=outdir) as work:
        converted = os.path.join(work, "converted.tosa")
        convert(tosa, converted)
        conv_in, conv_out = _graph_io(converted)
        # The converter renames the graph's I/O (TosaInput_0, TosaOutput_0, ...) and keeps their
        # order, so they are matched by position.
        if len(conv_in) != len(orig_in) or len(conv_out) != len(orig_out):
            raise RuntimeError(f"the converted graph has {len(conv_in)} inputs and "
                               f"{len(conv_out)} outputs; the original {len(orig_in)} and "
                               f"{len(orig_out)}")
        results = os.path.join(work, "results")
        os.makedirs(results)
        code, text = runtime().run(converted, conv_in, inputs, results)
        if code == adapter.REJECTED:
            raise adapter.Rejected(f"the runtime refused the converted graph: {_tail(text, 3)}")
        if code == adapter.UNSUPPORTED:
            raise adapter.Unsupported(f"the runtime cannot run the converted graph: "
                                      f"{_tail(text, 3)}")
        if code != adapter.OK:
            raise RuntimeError(f"the runtime failed on the converted graph (exit {code}): "
                               f"{_tail(text)}")
        for conv_name, orig_name in zip(conv_out, orig_out):
            src = os.path.join(results, adapter.result_file_name(conv_name))
            if not os.path.isfile(src):
                raise RuntimeError(f"the runtime wrote no {os.path.basename(src)}")
            os.replace(src, os.path.join(outdir, adapter.result_file_name(orig_name)))


def version_info():
    binary = os.environ["MXCONF_CONVERTER_BINARY"]
    site = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(binary))))
    found = glob.glob(os.path.join(site, "ai_ml_sdk_model_converter-*.dist-info"))
    version = os.path.basename(found[0])[len("ai_ml_sdk_model_converter-"):-len(".dist-info")] \
        if found else None
    return {"ai-ml-sdk-model-converter": version, "converter binary": binary,
            "runtime": os.environ["MXCONF_STAGE_RUNTIME"],
            "runtime versions": runtime().version_info()}


if __name__ == "__main__":
    sys.exit(adapter.main(run, __doc__, version_info=version_info))

"""Runs a .tosa file with the TOSA reference model (tosa-tools) for mxconf's --sut-exec.

    exec TOSA INPUT.npy... OUTDIR    run the graph on the inputs (graph input order); write one
                                     .npy per graph output into OUTDIR, named as mxconf names it
    exec --worker                    serve such requests one JSON line at a time (sut/common)
    exec --version-info              the versions of the packages involved, as JSON

Inputs: FP32 as <f4, BF16 as <u2 or <V2 holding bf16 bits, INT32 as <i4 (an embedding's row
indices). Outputs: FP32 as <f4, BF16 as <V2
(ml_dtypes' bfloat16: the form tosa_verify reads; mxconf reads it too). Exit codes: 0 ran; 1 the reference model rejected the graph (TOSA_ERROR or
TOSA_UNPREDICTABLE); 3 unsupported (an input or output type this adapter cannot pass); 4 the
reference model or the adapter failed.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import adapter  # noqa: E402

# tosa.DType values (tosa-flatbuffer-format.md §5) this adapter passes in and out.
_INT32, _FP32, _BF16 = 5, 7, 9


def _graph_io(buf):
    """(input (name, dtype) list, output (name, dtype) list) of the main block."""
    from tosa.TosaGraph import TosaGraph

    g = TosaGraph.GetRootAs(buf, 0)
    if g.RegionsLength() < 1 or g.Regions(0).BlocksLength() < 1:
        raise adapter.Rejected("the file has no region or block to run")
    block = g.Regions(0).Blocks(0)
    types = {}
    for i in range(block.TensorsLength()):
        t = block.Tensors(i)
        types[t.Name().decode()] = t.Type()
    ins = [block.Inputs(i).decode() for i in range(block.InputsLength())]
    outs = [block.Outputs(i).decode() for i in range(block.OutputsLength())]
    return [(n, types.get(n)) for n in ins], [(n, types.get(n)) for n in outs]


def run(argv):
    import numpy as np
    import tosa_reference_model as rm

    if len(argv) < 2:
        raise adapter.UsageError("exec TOSA INPUT.npy... OUTDIR")
    tosa_path, input_paths, outdir = argv[0], argv[1:-1], argv[-1]
    with open(tosa_path, "rb") as f:
        buf = f.read()
    try:
        ins, outs = _graph_io(buf)
    except adapter.Rejected:
        raise
    except Exception as e:  # not a flatbuffer the schema can read: the model would refuse it too
        raise adapter.Rejected(f"unreadable .tosa: {e}")
    if len(input_paths) != len(ins):
        raise adapter.UsageError(f"the graph has {len(ins)} inputs, {len(input_paths)} files given")
    arrays = []
    for (name, dtype), path in zip(ins, input_paths):
        a = np.load(path, allow_pickle=False)
        if dtype == _BF16 and a.dtype in (np.uint16, np.dtype("V2")) or (
                dtype == _BF16 and a.dtype.name == "bfloat16"):
            arrays.append(a.view(np.uint16))  # bf16 bits, as the reference model takes them
        elif dtype == _FP32 and a.dtype == np.float32 or dtype == _INT32 and a.dtype == np.int32:
            arrays.append(a)
        else:
            raise adapter.Unsupported(f"graph input '{name}' of type {dtype} from a {a.dtype} file")
    try:
        # Level 8K: the level mxconf validates against (MAX_KERNEL, MAX_STRIDE, ...). The model
        # checks no level unless told (its default is NONE).
        results, status = rm.run(buf, arrays, tosa_level="EIGHTK")
    except ValueError as e:
        # The reference model raises this (rather than returning TOSA_ERROR) for a graph it
        # refuses at load time, e.g. an ERROR_IF on a shape or a rank.
        if "Invalid TOSA graph" in str(e):
            raise adapter.Rejected(f"the reference model refused the graph ({e})")
        raise
    if status != rm.GraphStatus.TOSA_VALID:
        raise adapter.Rejected(f"the reference model returned {status.name}")
    os.makedirs(outdir, exist_ok=True)
    for (name, dtype), r in zip(outs, results):
        if dtype == _FP32:
            out = np.frombuffer(r.tobytes(), dtype=np.float32).reshape(r.shape)
        elif dtype == _BF16:
            import ml_dtypes

            out = np.frombuffer(r.tobytes(), dtype=ml_dtypes.bfloat16).reshape(r.shape)
        else:
            raise adapter.Unsupported(f"graph output '{name}' of type {dtype}")
        adapter.save_npy_atomic(os.path.join(outdir, adapter.result_file_name(name)), out)


if __name__ == "__main__":
    # Isolated: the reference model's binding does not always survive a graph it refuses. In
    # tosa-tools 2026.8.0 a conv whose shape operand has the wrong length aborts the process
    # (docs/findings.md), and mxconf's shrinking re-runs such a case dozens of times: one worker
    # per request would exhaust the restart budget and error every later case. A fork per
    # request costs milliseconds and keeps each verdict independent of the requests before it.
    sys.exit(adapter.main(run, __doc__, isolate=True))

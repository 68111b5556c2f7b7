#!/usr/bin/env python3
"""F7: the TOSA reference model's Python binding crashes (SIGSEGV) when a CONV2D_BLOCK_SCALED
that fails an ERROR_IF is followed by another operator.

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes: every graph is
built here with tosa-tools' own serializer. Each graph runs in a child process, so a crash is
seen as the child's signal:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

The graphs: a 1x4x4x32 FP8E4M3 input (scales 2^0) and a 1x1 kernel, CONV2D_BLOCK_SCALED with
block_size 32, and a pad of [0,0,0,0] (valid) or [-1,0,0,0], which the spec refuses:
ERROR_IF(pad_top < 0 || pad_bottom < 0 || pad_left < 0 || pad_right < 0)
(tosa-specification cd5acdd, pseudocode/operators/CONV2D_BLOCK_SCALED.tosac; the MX ops' ERROR_IF
list in chapters/tensor_ops.adoc). Each graph holds the conv alone, or the conv followed by a
TRANSPOSE of its result.

Expected (the spec: an ERROR_IF makes the graph's result ERROR; tosa_reference_model.run returns
GraphStatus.TOSA_ERROR): valid, valid, TOSA_ERROR, TOSA_ERROR.
"""

import os
import subprocess
import sys

CASES = [("pad 0, conv alone", [0, 0, 0, 0], False),
         ("pad 0, conv then TRANSPOSE", [0, 0, 0, 0], True),
         ("pad -1, conv alone", [-1, 0, 0, 0], False),
         ("pad -1, conv then TRANSPOSE", [-1, 0, 0, 0], True)]
EXPECTED = ["TOSA_VALID", "TOSA_VALID", "TOSA_ERROR", "TOSA_ERROR"]


def build(pad, transpose):
    import ml_dtypes
    import numpy as np
    import serializer.tosa_serializer as ts
    from tosa.DType import DType
    from tosa.Op import Op

    ser = ts.TosaSerializer(os.getcwd())
    n, h, w, c, oc = 1, 4, 4, 32, 1

    def payload(shape, name):
        zeros = np.zeros(shape, np.uint8).view(ml_dtypes.float8_e4m3fn)
        ser.addConst(shape, DType.FP8E4M3, zeros, name=name)

    def scale(shape, name):  # E8M0 127 = 2^0
        ones = np.full(shape, 127, np.uint8).view(ml_dtypes.float8_e8m0fnu)
        ser.addConst(shape, DType.FP8UE8M0, ones, name=name)

    payload([n, h, w, c], "ifm")
    scale([n, h, w, 1], "ifm_scale")
    payload([oc, 1, 1, c], "weight")
    scale([oc, 1, 1, 1], "weight_scale")
    ser.addConst([1], DType.FP32, np.zeros(1, np.float32), name="bias")
    ser.addConst([4], DType.SHAPE, np.array(pad, np.int64), name="pad")
    ser.addConst([2], DType.SHAPE, np.array([1, 1], np.int64), name="stride")
    ser.addConst([2], DType.SHAPE, np.array([1, 1], np.int64), name="dilation")
    oh, ow = h + pad[0] + pad[1], w + pad[2] + pad[3]
    add = ser.addIntermediate if transpose else ser.addOutput
    conv = add([n, oh, ow, oc], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.Conv2dBlockScaledAttribute(32)
    ser.addOperator(Op.CONV2D_BLOCK_SCALED, ["ifm", "ifm_scale", "weight", "weight_scale", "bias",
                                             "pad", "stride", "dilation"], [conv.name], attr)
    if transpose:
        out = ser.addOutput([n, oc, oh, ow], DType.FP32)
        perms = ts.TosaSerializerAttribute()
        perms.TransposeAttribute([0, 3, 1, 2])
        ser.addOperator(Op.TRANSPOSE, [conv.name], [out.name], perms)
    return bytes(ser.serialize())


def run_one(index):
    import tosa_reference_model as rm
    _, pad, transpose = CASES[index]
    try:
        _, status = rm.run(build(pad, transpose), [], tosa_level="EIGHTK")
        print(status.name)
    except ValueError as e:  # the model's refusal at load time is a refusal too
        print("TOSA_ERROR" if "Invalid TOSA graph" in str(e) else f"raised {e}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(int(sys.argv[2]))
        return 0
    present = False
    print(f"{'graph':<30} {'expected':<12} actual")
    for i, (what, _, _) in enumerate(CASES):
        p = subprocess.run([sys.executable, __file__, "--one", str(i)], capture_output=True,
                           text=True, timeout=300)
        lines = p.stdout.strip().splitlines()
        if p.returncode < 0:
            actual = f"killed by signal {-p.returncode}"
        else:
            actual = lines[-1] if lines else f"exit {p.returncode}, no status"
        present |= actual != EXPECTED[i]
        print(f"{what:<30} {EXPECTED[i]:<12} {actual}")
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F7 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

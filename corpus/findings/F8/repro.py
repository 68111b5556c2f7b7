#!/usr/bin/env python3
"""F8: the TOSA reference model reads CONV2D_BLOCK_SCALED's pad, stride and dilation shape
operands without checking their length: one value short is read past the end of the vector.

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes: every graph is
built here with tosa-tools' own serializer and runs in a child process, so a crash is seen as the
child's signal:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

The graphs: a 1x4x4x32 FP8E4M3 input (scales 2^0), a 1x1 kernel, CONV2D_BLOCK_SCALED with
block_size 32 and nothing after it. tosa.xml (tosa-specification cd5acdd) gives the operands'
shapes: pad shape_t [4] (line 515), stride shape_t [2] (line 526), dilation shape_t [2]
(line 535); chapters/operators.adoc lines 91-94 make a graph whose inputs do not meet the
operator's Arguments an ERROR_IF, so the expected status is TOSA_ERROR (or a refusal at load
time, which the binding raises as "Invalid TOSA graph"; both count as a rejection here).
A control graph with correct operands is TOSA_VALID.
"""

import os
import subprocess
import sys

VALID = ([0, 0, 0, 0], [1, 1], [1, 1])
CASES = [("control (pad[4], stride[2], dilation[2])", VALID),
         ("pad with 3 values", ([0, 0, 0], [1, 1], [1, 1])),
         ("stride with 1 value", ([0, 0, 0, 0], [1], [1, 1])),
         ("dilation with 1 value", ([0, 0, 0, 0], [1, 1], [1])),
         ("pad with 5 values (one too many)", ([0, 0, 0, 0, 0], [1, 1], [1, 1]))]
EXPECTED = ["TOSA_VALID", "TOSA_ERROR", "TOSA_ERROR", "TOSA_ERROR", "TOSA_ERROR"]


def build(pad, stride, dilation):
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
    for name, values in (("pad", pad), ("stride", stride), ("dilation", dilation)):
        ser.addConst([len(values)], DType.SHAPE, np.array(values, np.int64), name=name)
    out = ser.addOutput([n, h, w, oc], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.Conv2dBlockScaledAttribute(32)
    ser.addOperator(Op.CONV2D_BLOCK_SCALED, ["ifm", "ifm_scale", "weight", "weight_scale", "bias",
                                             "pad", "stride", "dilation"], [out.name], attr)
    return bytes(ser.serialize())


def run_one(index):
    import tosa_reference_model as rm
    try:
        _, status = rm.run(build(*CASES[index][1]), [], tosa_level="EIGHTK")
        print(status.name)
    except ValueError as e:  # the model's refusal at load time is a refusal too
        print("TOSA_ERROR" if "Invalid TOSA graph" in str(e) else f"raised {e}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(int(sys.argv[2]))
        return 0
    present = False
    print(f"{'graph':<44} {'expected':<12} actual")
    for i, (what, _) in enumerate(CASES):
        p = subprocess.run([sys.executable, __file__, "--one", str(i)], capture_output=True,
                           text=True, timeout=300)
        lines = p.stdout.strip().splitlines()
        if p.returncode < 0:
            actual = f"killed by signal {-p.returncode}"
            assertion = [l for l in p.stderr.splitlines() if "Assertion" in l]
            if assertion:
                actual += " (" + assertion[-1].split("Assertion")[-1].strip()[:40] + ")"
        else:
            actual = lines[-1] if lines else f"exit {p.returncode}, no status"
        present |= actual != EXPECTED[i]
        print(f"{what:<44} {EXPECTED[i]:<12} {actual}")
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F8 {'PRESENT' if present else 'not present'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""F4: the TOSA reference model runs MATMUL_T_BLOCK_SCALED with a B_scale of the wrong shape
instead of refusing it; an undersized B_scale is read out of bounds.

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes: every graph is
built here with tosa-tools' own serializer and run with tosa_reference_model.run in a child
process (a crash is seen as the child's signal):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

A [1,1,64] x [1,4,64] FP8E4M3 product, block size 32, every code 1.0 (0x38) and every scale 2^0
(E8M0 127). tosa.xml (tosa-specification cd5acdd) line 1034 gives B_scale the shape
[D,W,C/block_size] = [1,4,2]; chapters/operators.adoc lines 92-95 make a graph whose inputs do
not meet their Arguments an ERROR_IF ("ERROR_IF(operator input tensors do not meet requirement
of operator Arguments inputs)"). So B_scale [1,4,1] (undersized) and [1,4,3] (oversized) must
give TOSA_ERROR; [1,4,2] gives 64.0 in each of the 4 outputs.
"""

import os
import subprocess
import sys

CASES = [("B_scale [1,4,2] (right)", 2), ("B_scale [1,4,1] (undersized)", 1),
         ("B_scale [1,4,3] (oversized)", 3)]
EXPECTED = ["TOSA_VALID [64. 64. 64. 64.]", "TOSA_ERROR", "TOSA_ERROR"]


def build(b_blocks):
    import ml_dtypes
    import numpy as np
    import serializer.tosa_serializer as ts
    from tosa.DType import DType
    from tosa.Op import Op

    ser = ts.TosaSerializer(os.getcwd())
    n, h, w, c = 1, 1, 4, 64

    def codes(shape, name):  # 0x38 is 1.0 in E4M3
        ser.addConst(shape, DType.FP8E4M3,
                     np.full(shape, 0x38, np.uint8).view(ml_dtypes.float8_e4m3fn), name=name)

    def scales(shape, name):  # 127 is 2^0 in E8M0
        ser.addConst(shape, DType.FP8UE8M0,
                     np.full(shape, 127, np.uint8).view(ml_dtypes.float8_e8m0fnu), name=name)

    codes([n, h, c], "a")
    scales([n, h, c // 32], "a_scale")
    codes([n, w, c], "b")
    scales([n, w, b_blocks], "b_scale")
    out = ser.addOutput([n, h, w], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.MatMulTBlockScaledAttribute(32)
    ser.addOperator(Op.MATMUL_T_BLOCK_SCALED, ["a", "a_scale", "b", "b_scale"], [out.name], attr)
    return bytes(ser.serialize())


def run_one(index):
    import numpy as np
    import tosa_reference_model as rm
    try:
        results, status = rm.run(build(CASES[index][1]), [], tosa_level="EIGHTK")
    except ValueError as e:  # a refusal at load time is a refusal too
        print("TOSA_ERROR" if "Invalid TOSA graph" in str(e) else f"raised {e}")
        return
    if status.name != "TOSA_VALID":
        print(status.name)
        return
    values = np.frombuffer(results[0].tobytes(), np.float32)
    print(f"TOSA_VALID {np.array2string(values, precision=6)}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(int(sys.argv[2]))
        return 0
    present = False
    print(f"{'graph':<30} {'expected':<30} actual")
    for i, (what, _) in enumerate(CASES):
        p = subprocess.run([sys.executable, __file__, "--one", str(i)], capture_output=True,
                           text=True, timeout=300)
        lines = p.stdout.strip().splitlines()
        if p.returncode < 0:
            actual = f"killed by signal {-p.returncode}"
        else:
            actual = lines[-1] if lines else f"exit {p.returncode}, no status"
        present |= actual != EXPECTED[i]
        print(f"{what:<30} {EXPECTED[i]:<30} {actual}")
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F4 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

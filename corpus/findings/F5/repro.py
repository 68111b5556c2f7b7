#!/usr/bin/env python3
"""F5: the TOSA reference model runs MATMUL_T_BLOCK_SCALED with A_data and B_data of different
MX element types (2026.5.0) or crashes on it (2026.8.0), instead of refusing it.

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes: every graph is
built here with tosa-tools' own serializer and run with tosa_reference_model.run in a child
process (a crash is seen as the child's signal):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

A [1,1,64] x [1,4,64] product, block size 32, every element 1.0 and every scale 2^0 (E8M0 127).
tosa.xml (tosa-specification cd5acdd) lines 1052-1069 list the supported types: A_t and B_t
are always the same type (fp4e2m1/fp4e2m1, fp6e2m3/fp6e2m3, ...); chapters/operators.adoc line 95:
"ERROR_IF(operator data types do not meet requirement of operator Supported Data Types)". So
A FP6E2M3 with B FP6E3M2 must give TOSA_ERROR; FP6E2M3 with FP6E2M3 gives 64.0 each.
"""

import os
import subprocess
import sys

# 1.0 in each type: E2M3 0b0_01_000, E3M2 0b0_011_00.
ONE = {"FP6E2M3": 0x08, "FP6E3M2": 0x0C}
CASES = [("A FP6E2M3, B FP6E2M3", "FP6E2M3", "FP6E2M3"),
         ("A FP6E2M3, B FP6E3M2 (mixed)", "FP6E2M3", "FP6E3M2")]
EXPECTED = ["TOSA_VALID [64. 64. 64. 64.]", "TOSA_ERROR"]


def build(a_type, b_type):
    import ml_dtypes
    import numpy as np
    import serializer.tosa_serializer as ts
    from tosa.DType import DType
    from tosa.Op import Op

    ser = ts.TosaSerializer(os.getcwd())
    n, h, w, c = 1, 1, 4, 64
    view = {"FP6E2M3": ml_dtypes.float6_e2m3fn, "FP6E3M2": ml_dtypes.float6_e3m2fn}

    def codes(shape, t, name):
        ser.addConst(shape, getattr(DType, t),
                     np.full(shape, ONE[t], np.uint8).view(view[t]), name=name)

    def scales(shape, name):
        ser.addConst(shape, DType.FP8UE8M0,
                     np.full(shape, 127, np.uint8).view(ml_dtypes.float8_e8m0fnu), name=name)

    codes([n, h, c], a_type, "a")
    scales([n, h, c // 32], "a_scale")
    codes([n, w, c], b_type, "b")
    scales([n, w, c // 32], "b_scale")
    out = ser.addOutput([n, h, w], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.MatMulTBlockScaledAttribute(32)
    ser.addOperator(Op.MATMUL_T_BLOCK_SCALED, ["a", "a_scale", "b", "b_scale"], [out.name], attr)
    return bytes(ser.serialize())


def run_one(index):
    import numpy as np
    import tosa_reference_model as rm
    _, a_type, b_type = CASES[index]
    try:
        results, status = rm.run(build(a_type, b_type), [], tosa_level="EIGHTK")
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
    for i, (what, _, _) in enumerate(CASES):
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
        print(f"tosa-tools {version('tosa-tools')}: F5 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

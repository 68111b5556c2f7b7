#!/usr/bin/env python3
"""F2: the TOSA reference model's MATMUL_T_BLOCK_SCALED multiplies each element by its block
scale before the products, where the spec multiplies the block's dot product by
scale_A * scale_B. Two blocks pin the order from both sides.

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes; the graphs are
built with tosa-tools' own serializer:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

The spec (tosa-specification cd5acdd, pseudocode/operators/MATMUL_T_BLOCK_SCALED.tosac, the
block loop): block_acc = sum of value_A * value_B over the block, then
block_acc = block_acc * (scale_A * scale_B), all in fp32 (out_t). [1,1,32] x [1,1,32] FP8E4M3,
block size 32:

1. "element first overflows": A = [256, 0, ...] with scale_A = 2^120, B = [1.0, 0, ...] with
   scale_B = 2^-52. Spec: 256 * (2^120 * 2^-52) = 2^76 = 7.5557864e+22. Scaling the element
   first gives 256 * 2^120 = 2^128, not an fp32 number: +Inf.
2. "scales first overflows" (the reverse): every code 2^-9 (E4M3's smallest subnormal) in A and
   B, scale_A = 2^127, scale_B = 2^10. Spec: block_acc = 32 * 2^-18 = 2^-13, and
   scale_A * scale_B = 2^137 overflows fp32, so the result is +Inf. Scaling elements first gives
   (2^-9 * 2^127) * (2^-9 * 2^10) * 32 = 2^124 = 2.1267648e+37.
"""

import os
import sys

# E4M3 codes: 256 = 0x78, 1.0 = 0x38, 2^-9 = 0x01. E8M0 byte = 127 + exponent.
CASES = [("element first overflows", [0x78] + [0] * 31, 127 + 120, [0x38] + [0] * 31, 127 - 52),
         ("scales first overflows", [0x01] * 32, 127 + 127, [0x01] * 32, 127 + 10)]
EXPECTED = ["7.5557864e+22", "inf"]


def build(a_codes, a_scale, b_codes, b_scale):
    import ml_dtypes
    import numpy as np
    import serializer.tosa_serializer as ts
    from tosa.DType import DType
    from tosa.Op import Op

    ser = ts.TosaSerializer(os.getcwd())

    def codes(vals, name):
        arr = np.array(vals, np.uint8).reshape(1, 1, 32).view(ml_dtypes.float8_e4m3fn)
        ser.addConst([1, 1, 32], DType.FP8E4M3, arr, name=name)

    def scale(byte, name):
        arr = np.array([byte], np.uint8).reshape(1, 1, 1).view(ml_dtypes.float8_e8m0fnu)
        ser.addConst([1, 1, 1], DType.FP8UE8M0, arr, name=name)

    codes(a_codes, "a")
    scale(a_scale, "a_scale")
    codes(b_codes, "b")
    scale(b_scale, "b_scale")
    out = ser.addOutput([1, 1, 1], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.MatMulTBlockScaledAttribute(32)
    ser.addOperator(Op.MATMUL_T_BLOCK_SCALED, ["a", "a_scale", "b", "b_scale"], [out.name], attr)
    return bytes(ser.serialize())


def main():
    import numpy as np
    import tosa_reference_model as rm
    present = False
    print(f"{'block':<26} {'expected':<16} actual")
    for (what, *args), want in zip(CASES, EXPECTED):
        results, status = rm.run(build(*args), [], tosa_level="EIGHTK")
        if status.name != "TOSA_VALID":
            actual = status.name
        else:
            actual = f"{np.frombuffer(results[0].tobytes(), np.float32)[0]:.8g}"
        present |= actual != want
        print(f"{what:<26} {want:<16} {actual}")
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F2 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

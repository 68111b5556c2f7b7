#!/usr/bin/env python3
"""F3: the TOSA reference model's CAST_TO_BLOCK_SCALED misses the spec's scale at amax one fp32
ulp below a cut-off (consistent with log2 taken in fp32).

Needs only tosa-tools (its serializer and reference model), numpy and ml_dtypes; the graph is
built with tosa-tools' own serializer:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

For fp4e2m1 and k = -40..40, one block of 32 fp32 values per (k, cut-off): element 0 is
1.27 * 2^k, element 5 (amax) is one ulp below c * 2^k, for c = 6 (normal_max, the cut-off before
tosa-specification PR #44) and c = 7 (normal_max + 1/2 ulp, the cut-off at cd5acdd). The graph
casts all of them to FP4E2M1 (block size 32) and back with CAST_FROM_BLOCK_SCALED.

At cd5acdd (pseudocode/library/numeric_conversion_helpers.tosac lines 66-70, 72-85) the scale is
2^(floor(log2(max_abs / 7)) + 1), evaluated exactly: both amax values give 2^k, and element 0
(1.27 -> fp4 1.5) comes back as 1.5 * 2^k. A scale of 2^(k+1) brings it back as 1.0 * 2^k.
Prints, for each cut-off, the k where the model's scale is not the spec's. The c = 6 row is F3
alone: the exact pre-#44 rule also gives 2^k there (amax < 6 * 2^k). The c = 7 row also catches
F1 (the pre-#44 rule gives 2^(k+1) for any amax in (6, 7] * 2^k), and F3 at the new cut-off.
"""

import os
import sys

KS = range(-40, 41)
CUTOFFS = (6.0, 7.0)


def build(rows):
    import numpy as np
    import serializer.tosa_serializer as ts
    from tosa.DType import DType
    from tosa.Op import Op

    ser = ts.TosaSerializer(os.getcwd())
    x = np.array(rows, np.float32)
    ser.addConst(list(x.shape), DType.FP32, x, name="x")
    data = ser.addIntermediate(list(x.shape), DType.FP4E2M1)
    scale = ser.addIntermediate([x.shape[0], 1], DType.FP8UE8M0)
    to = ts.TosaSerializerAttribute()
    to.CastToBlockScaledAttribute(32)
    ser.addOperator(Op.CAST_TO_BLOCK_SCALED, ["x"], [data.name, scale.name], to)
    out = ser.addOutput(list(x.shape), DType.FP32)
    back = ts.TosaSerializerAttribute()
    back.CastFromBlockScaledAttribute(32)
    ser.addOperator(Op.CAST_FROM_BLOCK_SCALED, [data.name, scale.name], [out.name], back)
    return bytes(ser.serialize())


def main():
    import numpy as np
    import tosa_reference_model as rm
    rows, keys = [], []
    for c in CUTOFFS:
        for k in KS:
            row = np.full(32, np.float32(1.27 * 2.0 ** k), np.float32)
            row[5] = np.nextafter(np.float32(c * 2.0 ** k), np.float32(0))
            rows.append(row)
            keys.append((c, k))
    results, status = rm.run(build(rows), [], tosa_level="EIGHTK")
    if status.name != "TOSA_VALID":
        print(f"the model returned {status.name}")
        return 1
    got = np.frombuffer(results[0].tobytes(), np.float32).reshape(len(rows), 32)[:, 0]
    wrong = {c: [] for c in CUTOFFS}
    for (c, k), v in zip(keys, got):
        if v != np.float32(1.5 * 2.0 ** k):
            wrong[c].append(k)
    present = False
    for c in CUTOFFS:
        print(f"amax one ulp below {c:g}*2^k, k = -40..40: scale differs from the spec at "
              f"{len(wrong[c])} k: {wrong[c]}")
        present |= bool(wrong[c])
    try:
        from importlib.metadata import version
        print(f"tosa-tools {version('tosa-tools')}: F3 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

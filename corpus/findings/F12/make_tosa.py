#!/usr/bin/env python3
"""Builds F12's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`):

    const_1x4.tosa     an ADD of an FP32 [1,4] input and an FP32 CONST of shape [1,4]: the control
    const_0x4.tosa     the same, the CONST's shape [0,4]
    const_1x0.tosa     [1,0]
    const_1xneg4.tosa  [1,-4]
    fp8_1xneg32.tosa   CAST_FROM_BLOCK_SCALED (block 32) of an FP8E4M3 CONST of shape [1,-32] with
                       an FP8UE8M0 [1,1] CONST scale, to an FP32 [1,32] output
    fp6_1xneg32.tosa   the same with FP6E2M3 codes
    fp4_1xneg32.tosa   the same with FP4E2M1 codes

Every dimension must be at least 1 (chapters/introduction.adoc line 698 at cd5acdd). Each CONST's
data is what the serializer writes for the values given (4 FP32, or 32 codes), whatever the
declared shape.
"""
import os

import ml_dtypes
import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))


def add_const(shape):
    ser = ts.TosaSerializer(HERE)
    x = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    c = ser.addConst(list(shape), DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [x.name, c.name], [out.name], attr)
    return ser.serialize()


def cast_from(dtype, np_type):
    ser = ts.TosaSerializer(HERE)
    q = ser.addConst([1, -32], dtype, np.zeros((1, 32), np_type))
    s = ser.addConst([1, 1], DType.FP8UE8M0, np.full((1, 1), 1.0, ml_dtypes.float8_e8m0fnu))
    out = ser.addOutput([1, 32], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.CastFromBlockScaledAttribute(32)
    ser.addOperator(Op.CAST_FROM_BLOCK_SCALED, [q.name, s.name], [out.name], attr)
    return ser.serialize()


GRAPHS = {
    "const_1x4.tosa": lambda: add_const((1, 4)),
    "const_0x4.tosa": lambda: add_const((0, 4)),
    "const_1x0.tosa": lambda: add_const((1, 0)),
    "const_1xneg4.tosa": lambda: add_const((1, -4)),
    "fp8_1xneg32.tosa": lambda: cast_from(DType.FP8E4M3, ml_dtypes.float8_e4m3fn),
    "fp6_1xneg32.tosa": lambda: cast_from(DType.FP6E2M3, ml_dtypes.float6_e2m3fn),
    "fp4_1xneg32.tosa": lambda: cast_from(DType.FP4E2M1, ml_dtypes.float4_e2m1fn),
}

if __name__ == "__main__":
    for name, build in GRAPHS.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(build())
    for name in os.listdir(HERE):  # the placeholder's input file is not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

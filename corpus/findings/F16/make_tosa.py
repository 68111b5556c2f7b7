#!/usr/bin/env python3
"""Builds F16's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): an ADD of two FP32
[1,4] graph inputs into a [1,4] graph output, whose output tensor's DType is, in turn,

    dtype7.tosa      FP32 (7), the control
    dtype19.tosa     19, one past the last DType (MXINT8 = 18)
    dtype99.tosa     99
    dtype250.tosa    250
    dtype70000.tosa  70000

tosa-tools 2026.8.0's bin/tosa.fbs lines 26-46: `enum DType:uint32 { UNKNOWN = 0, BOOL, ...
FP8UE8M0, INT64, MXINT8, }`, values 0 to 18. The serializer asserts on a DType outside the enum
when a tensor is added, so the value is set on the tensor object afterwards; only that value
differs between the files.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = [7, 19, 99, 250, 70000]


def build(dtype):
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, b.name], [out.name], attr)
    out.dtype = dtype
    return ser.serialize()


if __name__ == "__main__":
    for v in VALUES:
        with open(os.path.join(HERE, f"dtype{v}.tosa"), "wb") as f:
            f.write(build(v))
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

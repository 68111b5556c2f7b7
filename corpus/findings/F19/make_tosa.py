#!/usr/bin/env python3
"""Builds F19's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): one operator over two
FP32 [1,4] graph inputs (input-0, input-1) into an FP32 [1,4] output (result-0), whose Op value
is, in turn,

    op15.tosa       ADD (15), the control
    op101.tosa      101, one past the last Op (MATMUL_T = 100)
    op1000.tosa     1000
    op65347.tosa    65347
    op1048576.tosa  2^20

tosa-tools 2026.8.0's bin/tosa.fbs lines 87-189: `enum Op:uint32 { UNKNOWN, ARGMAX, ... MATMUL_T, }`,
values 0 to 100. Only the op's value differs between the files (as in F11, for the converter).
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = [15, 101, 1000, 65347, 1 << 20]


def build(op):
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(op, [a.name, b.name], [out.name], attr)
    return ser.serialize()


if __name__ == "__main__":
    for op in VALUES:
        with open(os.path.join(HERE, f"op{op}.tosa"), "wb") as f:
            f.write(build(op))
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

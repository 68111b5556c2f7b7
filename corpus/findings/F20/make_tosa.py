#!/usr/bin/env python3
"""Builds F20's graph with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.5.0)/bin/python make_tosa.py`): an ADD of two FP32 [1,4]
graph inputs (input-0, input-1) into an FP32 [1,4] output (result-0), written as main.tosa beside
this script, whole. repro.py truncates it itself.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, b.name], [out.name], attr)
    with open(os.path.join(HERE, "main.tosa"), "wb") as f:
        f.write(ser.serialize())
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

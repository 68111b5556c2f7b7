#!/usr/bin/env python3
"""Builds F12's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): an ADD of an FP32 [1,4]
input and an FP32 CONST whose shape is, in turn,

    const_1x4.tosa   [1,4], the control
    const_0x4.tosa   [0,4]
    const_1x0.tosa   [1,0]

A dimension of 0 breaks the spec's rule "The tensor shape in each dimension must be greater than
or equal to 1" (chapters/introduction.adoc line 698 at cd5acdd). Only the CONST's shape (and so
its data, empty for a zero dimension) differs between the files.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {"const_1x4.tosa": (1, 4), "const_0x4.tosa": (0, 4), "const_1x0.tosa": (1, 0)}


def build(shape):
    ser = ts.TosaSerializer(HERE)
    x = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    c = ser.addConst(list(shape), DType.FP32, np.zeros(shape, np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [x.name, c.name], [out.name], attr)
    return ser.serialize()


if __name__ == "__main__":
    for name, shape in SHAPES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(build(shape))
    for name in os.listdir(HERE):  # the placeholder's input file is not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

#!/usr/bin/env python3
"""Builds F15's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): an ADD of two FP32
[1,4] graph inputs into an FP32 [1,4] graph output, where the operator names

    declared.tosa           the block's tensors (the control)
    undeclared_input.tosa   "ghost" as its second input, a tensor the block does not declare
    undeclared_output.tosa  "ghost" as its output

Only the operator's name lists differ between the files.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))


def build(ghost_input, ghost_output):
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, "ghost" if ghost_input else b.name],
                    ["ghost" if ghost_output else out.name], attr)
    return ser.serialize()


if __name__ == "__main__":
    for name, args in (("declared.tosa", (False, False)), ("undeclared_input.tosa", (True, False)),
                       ("undeclared_output.tosa", (False, True))):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(build(*args))
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

#!/usr/bin/env python3
"""Builds F9's two graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`):

    with_modifier.tosa     ADD of two FP32 [1,4] inputs, as the serializer writes it
    without_modifier.tosa  the same graph, its software_version table without the optional
                           `_modifier` string (the only difference)

tosa.fbs (tosa-tools 2026.8.0, bin/tosa.fbs lines 621-626) declares `_modifier: string;` with no
`(required)`, and line 753 keeps software_version itself optional "for back-compat": a reader must
accept a table without it.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa import SoftwareVersion
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))


def build():
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, b.name], [out.name], attr)
    return ser.serialize()


if __name__ == "__main__":
    with open(os.path.join(HERE, "with_modifier.tosa"), "wb") as f:
        f.write(build())
    add_modifier = SoftwareVersion.Add_Modifier
    SoftwareVersion.Add_Modifier = lambda builder, modifier: None  # leave the field out
    try:
        with open(os.path.join(HERE, "without_modifier.tosa"), "wb") as f:
            f.write(build())
    finally:
        SoftwareVersion.Add_Modifier = add_modifier
    # The placeholders' input files are not part of the repro.
    for name in os.listdir(HERE):
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

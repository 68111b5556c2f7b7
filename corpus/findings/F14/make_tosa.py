#!/usr/bin/env python3
"""Builds F14's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`):

    add_fp32.tosa            an ADD of two FP32 [1,4] inputs: the control, which the converter
                             writes as VGF
    scale_input.tosa         CAST_FROM_BLOCK_SCALED (block_size 32) of an FP8E4M3 [1,32] CONST
                             with its FP8UE8M0 [1,1] scale as a graph input
    scale_const.tosa         the same, with the scale a CONST (value 2^0)

The two block-scaled graphs differ only in where the scale comes from.
"""
import os

import ml_dtypes
import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))


def add_fp32():
    ser = ts.TosaSerializer(HERE)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, b.name], [out.name], attr)
    return ser.serialize()


def cast_from(scale_const):
    ser = ts.TosaSerializer(HERE)
    q = ser.addConst([1, 32], DType.FP8E4M3, np.zeros((1, 32), ml_dtypes.float8_e4m3fn))
    sv = np.full((1, 1), 1.0, ml_dtypes.float8_e8m0fnu)
    s = ser.addConst([1, 1], DType.FP8UE8M0, sv) if scale_const else \
        ser.addPlaceholder([1, 1], DType.FP8UE8M0, sv)
    out = ser.addOutput([1, 32], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.CastFromBlockScaledAttribute(32)
    ser.addOperator(Op.CAST_FROM_BLOCK_SCALED, [q.name, s.name], [out.name], attr)
    return ser.serialize()


if __name__ == "__main__":
    for name, buf in (("add_fp32.tosa", add_fp32()), ("scale_input.tosa", cast_from(False)),
                      ("scale_const.tosa", cast_from(True))):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(buf)
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

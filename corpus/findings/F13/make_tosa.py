#!/usr/bin/env python3
"""Builds F13's graphs with tosa-tools' own serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): a CAST_TO_BLOCK_SCALED
(block_size 32) of FP32 [1,32] graph inputs to FP8E4M3 [1,32] and FP8UE8M0 [1,1] graph outputs,
with, in turn,

    in1_out2.tosa   1 input, 2 outputs: the control, as tosa.xml defines the operator
    in1_out1.tosa   1 input, 1 output (output_scale missing)
    in2_out2.tosa   2 inputs, 2 outputs (one input too many)
    in0_out2.tosa   no input, 2 outputs

tosa.xml lines 4038-4056 at cd5acdd: CAST_TO_BLOCK_SCALED has one input (input_data), the
attribute block_size and two outputs (output_data, output_scale). tosa-tools' conformance
generator makes the same kind of graphs as its WrongInputList and WrongOutputList negative tests.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = {"in1_out2.tosa": (1, 2), "in1_out1.tosa": (1, 1), "in2_out2.tosa": (2, 2),
          "in0_out2.tosa": (0, 2)}


def build(n_in, n_out):
    ser = ts.TosaSerializer(HERE)
    ins = [ser.addPlaceholder([1, 32], DType.FP32, np.zeros((1, 32), np.float32)).name
           for _ in range(n_in)]
    specs = [([1, 32], DType.FP8E4M3), ([1, 1], DType.FP8UE8M0)]
    outs = [ser.addOutput(*specs[i]).name for i in range(n_out)]
    attr = ts.TosaSerializerAttribute()
    attr.CastToBlockScaledAttribute(32)
    ser.addOperator(Op.CAST_TO_BLOCK_SCALED, ins, outs, attr)
    return ser.serialize()


if __name__ == "__main__":
    for name, (n_in, n_out) in GRAPHS.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(build(n_in, n_out))
    for name in os.listdir(HERE):  # the placeholders' input files are not part of the repro
        if name.endswith(".npy"):
            os.remove(os.path.join(HERE, name))

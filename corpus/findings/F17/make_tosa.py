#!/usr/bin/env python3
"""Builds the graphs of F17 (the reference model) and F18 (the converter) with tosa-tools' own
serializer (run it in a tosa-tools venv, e.g.
`$(sut/venv-path --system refmodel@2026.8.0)/bin/python make_tosa.py`): an ADD of two FP32 [1,4]
graph inputs into an FP32 [1,4] graph output (tensors input-0, input-1, result-0), written

    main.tosa            in region "main", block "main", as the serializer writes it (the control)
    block_not_main.tosa  the same, the block named "other"
    no_block.tosa        region "main" without blocks
    no_region.tosa       a graph without regions

tosa-tools 2026.8.0's bin/tosa.fbs lines 734-750: a TosaGraph holds `regions:[TosaRegion]`, a
region `blocks:[TosaBasicBlock]`; the reference model runs the first region's block "main". The
serializer always writes that region and block, so the lists are emptied (or the name changed)
on its objects before it serializes. Writes the files into this directory and F18's.
"""
import os

import numpy as np
import serializer.tosa_serializer as ts
from tosa.DType import DType
from tosa.Op import Op

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIRS = [HERE, os.path.join(os.path.dirname(HERE), "F18")]


def build(how, work):
    ser = ts.TosaSerializer(work)
    a = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    b = ser.addPlaceholder([1, 4], DType.FP32, np.zeros((1, 4), np.float32))
    out = ser.addOutput([1, 4], DType.FP32)
    attr = ts.TosaSerializerAttribute()
    attr.AddAttribute()
    ser.addOperator(Op.ADD, [a.name, b.name], [out.name], attr)
    if how == "block_not_main":
        ser.currRegion.basicBlocks[0].name = "other"
    elif how == "no_block":
        ser.currRegion.basicBlocks = []
    elif how == "no_region":
        ser.regions = []
    return ser.serialize()


if __name__ == "__main__":
    for d in OUT_DIRS:
        for how in ("main", "block_not_main", "no_block", "no_region"):
            with open(os.path.join(d, f"{how}.tosa"), "wb") as f:
                f.write(build(how, d))
        for name in os.listdir(d):  # the placeholders' input files are not part of the repro
            if name.endswith(".npy"):
                os.remove(os.path.join(d, name))

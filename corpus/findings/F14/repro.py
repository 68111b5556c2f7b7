#!/usr/bin/env python3
"""F14: Arm's ML SDK Model Converter (ai-ml-sdk-model-converter 0.11.0), writing VGF (its
default output), dies on an assertion (SIGABRT) when a graph holds an FP8UE8M0 constant, instead
of refusing the graph as it refuses the same operator with the scale as a graph input:

    llvm::cast<mlir::spirv::SPIRVType>(mlir::Type): Assertion `isa<To>(Val) && "cast<Ty>()
    argument of incompatible type!"' failed.

Needs only the converter's wheel (run it with that venv's python; no mxconf, no tosa-tools): the
graphs beside this script were built by tosa-tools' own serializer (make_tosa.py). Each
conversion runs in a child process:

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

Expected: the control (an FP32 ADD) is written as VGF; each CAST_FROM_BLOCK_SCALED graph is
written or refused with a message (exit > 0), never a signal.
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = ["add_fp32.tosa", "scale_input.tosa", "scale_const.tosa"]


def converter_binary():
    import model_converter
    path = os.path.join(os.path.dirname(model_converter.__file__), "binaries", "bin",
                        "model-converter")
    if not os.path.exists(path):
        sys.exit(f"no model-converter binary at {path}")
    return path


def main():
    binary = converter_binary()
    bad = False
    print(f"{'graph':<17} {'expected':<17} actual")
    with tempfile.TemporaryDirectory() as d:
        for name in GRAPHS:
            p = subprocess.run([binary, "-i", os.path.join(HERE, name), "-o",
                                os.path.join(d, name + ".vgf")], capture_output=True, text=True,
                               timeout=300)
            lines = [ln for ln in p.stderr.splitlines() if ln.strip() and "[debug]" not in ln]
            why = next((ln[ln.index("Assertion"):] for ln in lines if "Assertion" in ln),
                       next((ln for ln in lines if "error" in ln), ""))
            if p.returncode < 0:
                got = f"killed by {signal.Signals(-p.returncode).name}: {why[:70]}"
            else:
                got = f"exit {p.returncode}" + (f": {why[why.find('error'):][:60]}"
                                                if p.returncode else "")
            if name == "add_fp32.tosa":
                print(f"{name:<17} {'exit 0':<17} {got}")
                if p.returncode != 0:
                    sys.exit(f"the control does not convert ({got}); the repro proves nothing")
                continue
            ok = p.returncode >= 0
            print(f"{name:<17} {'exit 0 or refused':<17} {got}{'' if ok else '   <== wrong'}")
            bad |= not ok
    print("F14 PRESENT: an E8M0 constant aborts the VGF conversion" if bad else "F14 not present")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""F6: torchao's RCEIL block scale (ScaleCalculationMode.RCEIL, which ExecuTorch's to_mxfp uses
for constant weights) takes log2 in fp32, so a block whose amax / max_pos lies a few fp32 ulps
above a power of two gets half the scale RCEIL defines.

Needs only torch and torchao (no mxconf, no tosa-tools):

    python repro.py           # exit 1 while the bug is present, 0 once it is fixed

RCEIL is the smallest power of two 2^k with amax <= max_pos * 2^k (the NVIDIA cuBLAS rule
torchao's docstring cites; on Blackwell GPUs torchao uses cvt.rp.satfinite.ue8m0x2.f32, which
rounds the exact quotient up). fp6e2m3: max_pos = 7.5. One block of 32 fp32 values, amax
0x2b700012 = 8.5265226e-13: amax / 7.5 is 2^-43 * (1 + 9.6 fp32 ulps) exactly (2^-43 * (1 + 10
ulps) after fp32 rounding), above 2^-43, so k = -42: E8M0 byte 127 - 42 = 85. log2 of the
quotient is -42.9999983, which fp32 rounds to -43.0; ceil then gives -43, byte 84. A control
block with amax 7.5 * 2^-40 (exactly a power of two times max_pos) has k = -40, byte 87, under
both.
"""

import struct
import sys

CASES = [("amax 0x2b700012 (2^-43 (1 + 9.6 ulp) * 7.5)", 0x2B700012, 85),
         ("amax 7.5 * 2^-40 (control)", None, 87)]


def scale_byte(amax_bits):
    import torch
    from torchao.prototype.mx_formats.config import ScaleCalculationMode
    from torchao.prototype.mx_formats.mx_tensor import to_mx
    amax = (struct.unpack("<f", struct.pack("<I", amax_bits))[0] if amax_bits is not None
            else 7.5 * 2.0 ** -40)
    block = torch.full((1, 32), amax / 4, dtype=torch.float32)
    block[0, 3] = amax
    scale, _ = to_mx(block, "fp6_e2m3", 32, ScaleCalculationMode.RCEIL)
    return int(scale.view(torch.uint8).flatten()[0])


def main():
    present = False
    print(f"{'block':<46} {'RCEIL byte':<11} torchao")
    for what, bits, want in CASES:
        got = scale_byte(bits)
        present |= got != want
        print(f"{what:<46} {want:<11} {got}")
    try:
        from importlib.metadata import version
        print(f"torchao {version('torchao')}, torch {version('torch')}: "
              f"F6 {'PRESENT' if present else 'fixed'}")
    except Exception:
        pass
    return 1 if present else 0


if __name__ == "__main__":
    sys.exit(main())

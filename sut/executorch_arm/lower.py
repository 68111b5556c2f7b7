"""Lowers an mxconf model with ExecuTorch's Arm backend, for mxconf's --sut-lower.

    lower MODEL.json OUT.tosa [--target TARGET]
                                   build the torch module the model describes (nn.Linear or
                                   nn.Conv2d layers), convert it to MXFP, each layer with its own
                                   MXFPOpConfig (payload, weight rule), with ExecuTorch's own flow
                                   (ao_ext.to_mxfp), export it, lower it with the Arm TOSA backend
                                   for the target (default TOSA-1.1+FP+mxfp, +bf16 for bf16 I/O),
                                   and write the .tosa ExecuTorch produced
    lower --worker                 serve such requests one JSON line at a time (sut/common)
    lower --version-info           the versions of the packages involved, as JSON

MODEL.json is mxconf's model description (docs/model-format.md); weights and biases are read
from it (npy paths relative to it), never re-quantized here: ExecuTorch quantizes them with the
rule the layer names. TARGET is mxconf's spelling (e.g. TOSA-1.1+FP+EXT-MX-COMMON+bf16); it is told
to ExecuTorch as the nearest target ExecuTorch can express that grants nothing TARGET lacks (its
`mxfp` stands for every MX extension at once). Exit codes: 0 written; 1 ExecuTorch rejected the
model, or does not lower its MX layers for the target; 3 unsupported (a weight rule, dim order,
dtype or target ExecuTorch cannot express); 4 ExecuTorch or the adapter failed.

With MXCONF_ET_LOWERING_CACHE=DIR, a model lowered before (the same description, weights,
biases and package versions) is not lowered again: the .tosa ExecuTorch wrote for it is copied.
Lowering takes seconds and is deterministic (sut/tests/test_adapters.py checks two fresh
lowerings are byte-identical), so the two ExecuTorch pairs of a night lower each model once.
"""

import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from common import adapter  # noqa: E402

# mxconf payload name -> what MXFPOpConfig takes (a torch dtype or torchao's fp6 names).
_PAYLOADS = {
    "fp8e4m3": "float8_e4m3fn",
    "fp8e5m2": "float8_e5m2",
    "fp4e2m1": "float4_e2m1fn_x2",
    "fp6e2m3": "fp6_e2m3",
    "fp6e3m2": "fp6_e3m2",
}
# mxconf weight scale rule -> torchao ScaleCalculationMode. The TOSA rules (tosa, tosa-pre44)
# have no torchao counterpart.
_RULES = {"rceil": "RCEIL", "ocp": "FLOOR"}


def _seeded(seed, count, bound):
    """docs/model-format.md's seeded source: SplitMix64, two 24-bit draws per output."""
    import numpy as np

    mask = (1 << 64) - 1
    state, out = seed, []
    while len(out) < count:
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out += [z >> 40, (z >> 8) & 0xFFFFFF]
    u = np.array(out[:count], dtype=np.float32)
    return (u * np.float32(2.0**-23) - np.float32(1.0)) * np.float32(bound)


def _values(src, count, default_bound, base_dir, what):
    import numpy as np

    if "npy" in src:
        path = src["npy"]
        a = np.load(path if os.path.isabs(path) else os.path.join(base_dir, path), allow_pickle=False)
        if a.dtype != np.float32 or a.size != count:
            raise adapter.UsageError(f"{what}: {path} is not {count} float32 values")
        return a.ravel()
    if "values" in src:
        return np.array(src["values"], dtype=np.float32).ravel()
    if "fp32_bits" in src:
        return np.array(src["fp32_bits"], dtype=np.uint32).ravel().view(np.float32)
    return _seeded(int(src["seed"]), count, src.get("scale") or default_bound)


def _pair(v):
    """A torch Conv2d argument as mxconf writes it: one integer or [y, x]."""
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


# Read in the pinned ExecuTorch's sources (1.5.1; sut/tests/test_adapters.py reads them again):
# backends/arm/ao_ext/mxfp.py line 70 swaps a module only when it is an nn.Linear or nn.Conv2d,
# and no file of backends/arm outside its tests names ROW_GATHER. An embedding layer is therefore
# not a model it lowers as MX: unsupported, not a failure.
MXFP_EMBEDDING_NOTE = ("ExecuTorch's to_mxfp converts nn.Linear and nn.Conv2d layers only; it has "
                       "no MX embedding (no ROW_GATHER_BLOCK_SCALED in its Arm backend)")


class _Model:
    """The parts of mxconf's model description this adapter uses."""

    def __init__(self, path):
        with open(path) as f:
            j = json.load(f)
        if j.get("mxconf_model") != 1:
            raise adapter.UsageError(f"{path}: not an mxconf model description (version 1)")
        base = os.path.dirname(os.path.abspath(path))
        self.input = j["input"]
        self.output = j.get("output", {})
        self.description = j
        self.spec = None  # ExecuTorch's target, when the caller names one
        self.layers = []
        for i, l in enumerate(j["layers"]):
            if l.get("type") == "embedding":
                # An MX embedding (ROW_GATHER_BLOCK_SCALED of an MX table): ExecuTorch's MXFP
                # conversion swaps nn.Linear and nn.Conv2d only (MXFP_EMBEDDING_NOTE below).
                raise adapter.Unsupported(f"layer {i}: {MXFP_EMBEDDING_NOTE}")
            conv = l.get("type") == "conv2d"
            if conv:
                k, n = int(l["in_channels"]), int(l["out_channels"])
                kh, kw = _pair(l["kernel"])
                if "pad" in l:
                    top, bottom, left, right = (int(v) for v in l["pad"])
                    if top != bottom or left != right:
                        raise adapter.Unsupported(
                            f"layer {i}: asymmetric pad {l['pad']}: torch's Conv2d pads "
                            "symmetrically, and ExecuTorch's MXFP conv path never emits another")
                    padding = (top, left)
                else:
                    padding = _pair(l.get("padding", 0))
                shape = (n, k, kh, kw)
                fan_in = k * kh * kw
            else:
                k, n = int(l["in_features"]), int(l["out_features"])
                shape, fan_in = (n, k), k
            count = 1
            for d in shape:
                count *= d
            w = _values(l["weights"], count, fan_in**-0.5, base, f"layer {i} weights").reshape(shape)
            b = None
            if l.get("bias"):
                src = l.get("bias_values") or {"seed": int(l["weights"].get("seed", 0)) ^ 0xB1A5}
                b = _values(src, n, 0.1, base, f"layer {i} bias")
            layer = {"k": k, "n": n, "w": w, "b": b, "payload": l["payload"],
                     "rule": l.get("weight_scale_rule", "rceil"), "conv": conv}
            if conv:
                layer.update(kernel=(kh, kw), stride=_pair(l.get("stride", 1)), padding=padding,
                             dilation=_pair(l.get("dilation", 1)))
            self.layers.append(layer)


def _module(model):
    import torch

    class ToBf16(torch.nn.Module):
        def forward(self, y):
            return y.to(torch.bfloat16)

    class ChannelsLastOutput(torch.nn.Module):
        """Asks for an NHWC output the way torch says it: a channels_last memory format, which
        exports as a dim-order copy. (A permute / contiguous / permute chain exports as copies and
        gives back a contiguous NCHW tensor: it cannot express a layout.)"""

        def forward(self, y):
            return y.contiguous(memory_format=torch.channels_last)

    mods = []
    for i, l in enumerate(model.layers):
        if l["conv"]:
            lin = torch.nn.Conv2d(l["k"], l["n"], l["kernel"], stride=l["stride"],
                                  padding=l["padding"], dilation=l["dilation"],
                                  bias=l["b"] is not None)
        else:
            lin = torch.nn.Linear(l["k"], l["n"], bias=l["b"] is not None)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(l["w"].copy()))
            if l["b"] is not None:
                lin.bias.copy_(torch.from_numpy(l["b"].copy()))
        mods.append(lin)
    if model.output.get("dtype", "fp32") == "bf16":
        mods.append(ToBf16())
    order = model.output.get("dim_order")
    if order and order != sorted(order):
        if order != [0, 2, 3, 1] or not model.layers[0]["conv"]:
            raise adapter.Unsupported(
                f"output dim order {order}: torch names no memory format for it (only "
                "channels_last, [0, 2, 3, 1])")
        n, c, h, w = _output_shape(model)
        if c == 1 or h * w == 1:
            # The same bytes either way: torch reports such a tensor as contiguous, and
            # ExecuTorch lowers it with the NCHW shape (as for inputs, _example_input).
            raise adapter.Unsupported(
                f"output dim order {order} of a [{n}, {c}, {h}, {w}] output: torch cannot tell "
                "channels_last from contiguous when C or H * W is 1")
        mods.append(ChannelsLastOutput())
    return torch.nn.Sequential(*mods).eval()


def _output_shape(model):
    """The logical NCHW output of a conv chain (torch's floor division: the model format admits
    only exact sizes, so it agrees with TOSA's)."""
    n, c, h, w = (int(d) for d in model.input["shape"])
    for l in model.layers:
        (kh, kw), (sh, sw) = l["kernel"], l["stride"]
        (ph, pw), (dh, dw) = l["padding"], l["dilation"]
        h = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        w = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        c = l["n"]
    return n, c, h, w


def _to_mxfp(module, model):
    import torch
    from executorch.backends.arm.ao_ext import MXFPOpConfig, to_mxfp
    from torchao.prototype.mx_formats.config import ScaleCalculationMode

    for i, l in enumerate(model.layers):
        if l["payload"] not in _PAYLOADS:
            raise adapter.Unsupported(f"payload {l['payload']}")
        if l["rule"] not in _RULES:
            raise adapter.Unsupported(
                f"weight_scale_rule {l['rule']}: ExecuTorch quantizes weights with torchao's "
                f"ScaleCalculationMode ({', '.join(_RULES)} map to it)")
        name = _PAYLOADS[l["payload"]]
        dtype = getattr(torch, name) if name.startswith("float") else name
        config = MXFPOpConfig(weight_dtype=dtype,
                              weight_scaling_mode=getattr(ScaleCalculationMode, _RULES[l["rule"]]))
        to_mxfp(module, config, filter_fn=lambda m, fqn, i=i: fqn == str(i))


def _example_input(model):
    """The input as ExecuTorch receives it: logical shape, stored in the model's dim order."""
    import torch

    shape = [int(d) for d in model.input["shape"]]
    dtype = torch.bfloat16 if model.input.get("dtype", "fp32") == "bf16" else torch.float32
    order = model.input.get("dim_order") or list(range(len(shape)))
    if sorted(order) != list(range(len(shape))):
        # What torch's permute refuses ("dims don't match"): a model ExecuTorch cannot take.
        raise adapter.Rejected(f"input dim_order {order} is not a permutation of its "
                               f"{len(shape)} dims")
    physical = torch.rand([shape[d] for d in order]).to(dtype)
    x = physical.permute([order.index(d) for d in range(len(order))])
    # With dims of size 1 torch may report another order for the same memory; only the order of
    # the other dims matters.
    def significant(o):
        return [d for d in o if shape[d] != 1]
    if significant(list(x.dim_order())) != significant(order):
        raise adapter.Unsupported(f"torch cannot hold an input in dim order {order}")
    return x


def _cache_key(model):
    """What determines the lowering: the description (without file paths), every weight and bias
    value, this adapter, the package versions and the content of ExecuTorch's and torchao's
    Python sources (an edited checkout with an unchanged version string gets a new key)."""
    h = hashlib.sha256()
    d = dict(model.description)
    d["layers"] = [{k: v for k, v in l.items() if k not in ("weights", "bias_values")}
                   for l in d["layers"]]
    h.update(json.dumps(d, sort_keys=True).encode())
    for l in model.layers:
        h.update(l["w"].tobytes())
        if l["b"] is not None:
            h.update(l["b"].tobytes())
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(json.dumps(adapter.versions(), sort_keys=True).encode())
    for package in ("executorch", "torchao"):
        h.update(f"{package}:{adapter.source_digest(package)}".encode())
    h.update((model.spec or "").encode())
    return h.hexdigest()[:32]


def _executorch_spec(target, model):
    """mxconf's target as ExecuTorch's TosaSpecification string: its `mxfp` only when the target
    grants every MX extension the model needs, `bf16` when it grants EXT-BF16."""
    tokens = target.split("+")
    if not tokens or tokens[0] != "TOSA-1.1":
        raise adapter.UsageError(f"--target {target}: not a TOSA-1.1 target")
    ext = set(tokens[1:])
    payloads = {l["payload"] for l in model.layers}
    mx = "mxfp" in ext or "EXT-MXFP" in ext or (
        "EXT-MX-COMMON" in ext and all("EXT-MX-" + p.upper() in ext for p in payloads))
    conv = any(l["conv"] for l in model.layers)
    if mx and conv and not ("mxfp_conv" in ext or "EXT-MXFP-CONV" in ext):
        raise adapter.Unsupported(
            f"target {target}: ExecuTorch names no extension for CONV2D_BLOCK_SCALED apart from "
            "mxfp, so it cannot be told a target with the MX types but without the conv op")
    return "TOSA-1.1+FP" + ("+mxfp" if mx else "") + (
        "+bf16" if "bf16" in ext or "EXT-BF16" in ext else "")


def lower(argv):
    target = None
    if len(argv) == 4 and argv[2] == "--target":
        target = argv[3]
        argv = argv[:2]
    if len(argv) != 2:
        raise adapter.UsageError("lower MODEL.json OUT.tosa [--target TARGET]")
    model = _Model(argv[0])
    if target is not None:
        model.spec = _executorch_spec(target, model)
    cache = os.environ.get("MXCONF_ET_LOWERING_CACHE")
    cached = os.path.join(cache, _cache_key(model) + ".tosa") if cache else None
    if cached and os.path.exists(cached):
        shutil.copyfile(cached, argv[1] + ".partial")
        os.replace(argv[1] + ".partial", argv[1])
        print(f"lowering cached: {cached}", file=sys.stderr)
        return
    _lower(model, argv[1])
    if cached:
        os.makedirs(cache, exist_ok=True)
        shutil.copyfile(argv[1], cached + f".{os.getpid()}.partial")
        os.replace(cached + f".{os.getpid()}.partial", cached)


def _lower(model, out_tosa):
    import torch
    from executorch.backends.arm.tosa.compile_spec import TosaCompileSpec
    from executorch.backends.arm.tosa.partitioner import TOSAPartitioner
    from executorch.exir import EdgeCompileConfig, to_edge_transform_and_lower

    module = _module(model)
    try:
        _to_mxfp(module, model)
    except ValueError as e:
        # ExecuTorch's MXFP conversion checking the model (e.g. "Linear in_features=80 must be
        # divisible by block_size=32"): its own refusal, not a failure.
        raise adapter.Rejected(f"ExecuTorch's to_mxfp: {e}")
    x = _example_input(model)
    bf16 = model.input.get("dtype") == "bf16" or model.output.get("dtype") == "bf16"
    spec = model.spec or "TOSA-1.1+FP+mxfp" + ("+bf16" if bf16 else "")
    with torch.no_grad():
        exported = torch.export.export(module, (x,))
    # As ExecuTorch's own Arm tests do: the MXFP custom ops mix dtypes, which the edge IR
    # validity check would refuse.
    edge = to_edge_transform_and_lower(
        exported, partitioner=[TOSAPartitioner(TosaCompileSpec(spec))],
        compile_config=EdgeCompileConfig(_check_ir_validity=False))
    program = edge.exported_program()
    delegates = [m for _, m in program.graph_module.named_children() if hasattr(m, "processed_bytes")]
    outside = [n for n in program.graph.nodes if n.op == "call_function"
               and "executorch_call_delegate" not in str(n.target) and "getitem" not in str(n.target)]
    if (len(delegates) != 1 or outside) and "mxfp" not in spec.split("+"):
        raise adapter.Rejected(f"ExecuTorch does not lower the MX layers for {spec}")
    if len(delegates) != 1 or outside:
        raise adapter.Unsupported(
            f"ExecuTorch lowered the model into {len(delegates)} TOSA delegate(s) with "
            f"{len(outside)} op(s) outside: {sorted({str(n.target) for n in outside})[:4]}")
    tmp = out_tosa + ".partial"
    with open(tmp, "wb") as f:
        f.write(delegates[0].processed_bytes)
    os.replace(tmp, out_tosa)


if __name__ == "__main__":
    sys.exit(adapter.main(lower, __doc__))

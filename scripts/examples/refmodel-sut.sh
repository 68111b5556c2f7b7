#!/usr/bin/env bash
# A --sut-exec wrapper for a TOSA runtime that reads TOSA conformance desc.json files, here the
# TOSA reference model (tosa_reference_model). mxconf calls it once per case:
#
#   mxconf run --sut-exec "scripts/examples/refmodel-sut.sh {desc} {outdir}" --sut-timeout 120
#
# {desc} names the case's desc.json (tosa_file, ifm_name/ifm_file, ofm_name/ofm_file, paths
# relative to it); the runtime must leave one .npy per output, named as ofm_file, in {outdir},
# and exit non-zero when it rejects a graph. A crash, a timeout or a missing output is an error
# blamed on sut-exec; a wrong value or shape is a failure.
#
# UNVERIFIED: that a reference model build with the MX ops (tosa-tools, TOSA 1.1 draft) accepts
# mxconf's graphs and reads BF16 inputs as mxconf writes them (<u2 holding bf16 bits).
set -euo pipefail
desc=$1
outdir=$2
refmodel=${TOSA_REFERENCE_MODEL:-tosa_reference_model}
command -v "$refmodel" >/dev/null || { echo "refmodel-sut: $refmodel not found (set TOSA_REFERENCE_MODEL)" >&2; exit 127; }
# --output_dir: write the ofm files there instead of beside desc.json.
exec "$refmodel" --test_desc="$desc" --output_dir="$outdir"

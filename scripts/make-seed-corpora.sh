#!/usr/bin/env bash
# Regenerates the seed corpora in corpus/<target>/ from the suite's generators (deterministic;
# files are named by content hash, so existing seeds and merged finds are kept).
#   scripts/make-seed-corpora.sh [BUILD_PRESET]   (default: default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
preset=${1:-default}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target mxconf_make_seeds
"$root/build/$preset/fuzz/mxconf_make_seeds" "$root/corpus"
du -sh "$root"/corpus/fuzz_*

#!/usr/bin/env bash
# Canaries (sut/canaries/canaries.py): asks the systems that cannot take MX graphs yet (Arm's model
# converter writing VGF, the Ethos-U Vela compiler) whether they can now, one small linear layer
# per MX payload, and sets each outcome beside sut/canaries/expected.tsv. A changed cell is
# reported loudly: support has landed (a new system to judge) or a message changed. Report only:
# exit 0 whatever the systems do; 2 when the setup cannot be made.
#
#   scripts/canaries.sh [--out DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/out/canaries
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "canaries: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=out_dir.sh
source scripts/out_dir.sh
out_dir_check canaries "$out"
mapfile -t systems < <(sut/venv-path --list | grep -E '^(converter|vela)@')
setup=()
for s in "${systems[@]}"; do setup+=(--system "$s"); done
scripts/setup-sut.sh "${setup[@]}" >/dev/null
cmake --preset default >/dev/null
cmake --build --preset default --target mxconf >/dev/null
out_dir_claim canaries "$out"
python3 sut/canaries/canaries.py --mxconf build/default/tools/mxconf --out "$out"

#!/usr/bin/env bash
# Sets up the external systems under test (ExecuTorch's Arm backend, the TOSA reference model) in
# venvs outside the clone, one per pinned requirement file, installed without resolving anything
# else. Idempotent: a venv that is already complete is reused in seconds. Prints where each is.
# The core suite (scripts/test.sh) never needs them.
#   scripts/setup-sut.sh                    the default venv (sut/requirements.txt: ExecuTorch and
#                                           the reference model version it pins)
#   scripts/setup-sut.sh --system NAME ...  the venvs of these system versions (sut/venv-path --list)
#   scripts/setup-sut.sh --all              every system version
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${MXCONF_SUT_PYTHON:-python3}
systems=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --system) systems+=("${2:?--system needs a name (sut/venv-path --list)}"); shift 2 ;;
    --all) mapfile -t systems < <("$root/sut/venv-path" --list); shift ;;
    *) echo "setup-sut: unknown argument '$1' (--system NAME, --all)" >&2; exit 2 ;;
  esac
done
[[ ${#systems[@]} -eq 0 ]] && systems=("")

setup_one() {  # $1: a system name, or empty for the default venv
local venv req imports
if [[ -n $1 ]]; then
  venv=$("$root/sut/venv-path" --system "$1") || exit 2
  req=$("$root/sut/venv-path" --system "$1" --requirements)
else
  venv=$("$root/sut/venv-path")
  req=$root/sut/requirements.txt
fi

if [[ -f $venv/.mxconf-complete ]]; then
  echo "setup-sut: ready at $venv"
  return 0
fi
# Only a directory mxconf made is ever replaced: its marker inside, or the lock file beside it
# (setups before the marker existed). MXCONF_SUT_VENV may name a venv of the user's own, and
# setup must not delete it.
refuse_foreign() {
  [[ -f $venv/.mxconf-venv || -f $venv.lock ]] && return 0
  if [[ -e $venv ]] && [[ -n $(ls -A "$venv" 2>/dev/null) || ! -d $venv ]]; then
    echo "setup-sut: $venv exists and was not made by mxconf (no .mxconf-venv marker); not touching it." >&2
    echo "setup-sut: point MXCONF_SUT_VENV at a new or empty directory, or remove that one yourself." >&2
    exit 2
  fi
}
refuse_foreign

pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ $pyver != 3.11 ]]; then
  echo "setup-sut: $python is Python $pyver; the pinned wheels (sut/requirements.txt) are for 3.11." >&2
  echo "setup-sut: point MXCONF_SUT_PYTHON at a Python 3.11 interpreter." >&2
  exit 2
fi
if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "setup-sut: $python has no venv module (Debian: apt-get install python3-venv)" >&2
  exit 2
fi

mkdir -p "$(dirname "$venv")"
# One setup at a time per venv: a second caller waits, then finds it complete.
exec 9>"$venv.lock"
flock 9
if [[ -f $venv/.mxconf-complete ]]; then
  echo "setup-sut: ready at $venv"
  return 0
fi

# Can the package index be reached at all? A small pinned wheel answers in a second.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' RETURN
if ! "$python" -m pip download --no-deps --only-binary :all: -q -d "$probe" semver==3.0.4 \
  >"$probe/pip.log" 2>&1; then
  echo "setup-sut: cannot reach the Python package index (pip download semver==3.0.4 failed):" >&2
  tail -3 "$probe/pip.log" >&2
  exit 2
fi

echo "setup-sut: creating $venv for ${1:-the default systems} (the default venv holds torch: a few GB, once per machine)"
refuse_foreign  # again under the lock: another process may have made it meanwhile
rm -rf "$venv"  # empty, or an unfinished setup of ours
"$python" -m venv "$venv"
touch "$venv/.mxconf-venv"
"$venv/bin/python" -m pip install -q --upgrade --no-deps pip==23.2.1 >/dev/null 2>&1 || true
# --prefer-binary, not --only-binary: antlr4-python3-runtime (hydra) ships only as a pure-Python sdist.
"$venv/bin/python" -m pip install -q --no-deps --prefer-binary -r "$req"
# Everything the adapters import, imported once here so a broken install fails now, not per case.
# A file under sut/versions/ names its modules on a "# check-imports:" line.
imports=$(sed -n 's/^# check-imports: *//p' "$req")
if [[ -n $imports ]]; then
  "$venv/bin/python" -c "import ${imports// /, }"
else
  "$venv/bin/python" - <<'PY'
import torch, numpy, ml_dtypes, flatbuffers
import executorch.backends.arm.ao_ext, executorch.backends.arm.tosa.partitioner
import tosa_reference_model, tosa_serializer
PY
fi
"$venv/bin/python" -m pip freeze >"$venv/versions.txt"
touch "$venv/.mxconf-complete"
echo "setup-sut: ready at $venv"
flock -u 9
}

for s in "${systems[@]}"; do setup_one "$s"; done

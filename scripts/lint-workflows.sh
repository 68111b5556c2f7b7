#!/usr/bin/env bash
# Lints .github/workflows/ with zizmor (it parses every workflow and audits its security:
# template injection, unpinned actions, credentials, permissions) from the package index, pinned
# in .github/lint-requirements.txt (why not actionlint: see that file), and with shellcheck
# (Debian) over every run: step, in a venv outside the clone
# (~/.cache/mxconf/lint-HASH, shared by clones; mxconf creates and reuses only that directory).
#   scripts/lint-workflows.sh
# Exit 0 when all are clean; 2 when the venv cannot be made (no package index).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
req=.github/lint-requirements.txt
python=${MXCONF_SUT_PYTHON:-python3}
key=$( { cat "$req"; "$python" -c 'import sys; print(sys.version_info[:2])'; } | sha256sum | cut -c1-12)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/mxconf/lint-$key
if [[ ! -f $venv/.mxconf-complete ]]; then
  echo "lint-workflows: installing $(grep -v '^#' "$req" | paste -sd' ') into $venv"
  rm -rf "$venv.partial"
  mkdir -p "$(dirname "$venv")"
  if ! "$python" -m venv "$venv.partial" ||
     ! "$venv.partial/bin/pip" install -q --disable-pip-version-check --no-deps -r "$req"; then
    rm -rf "$venv.partial"
    echo "lint-workflows: could not install the linters (package index reachable?)" >&2
    exit 2
  fi
  touch "$venv.partial/.mxconf-complete"
  rm -rf "$venv"
  mv "$venv.partial" "$venv"
fi
status=0
echo "== lint-workflows: zizmor ($("$venv/bin/zizmor" --version))"
"$venv/bin/zizmor" --offline --no-progress .github/workflows/ || status=1
echo "== lint-workflows: shellcheck over every run: step"
"$python" scripts/workflow_steps.py shellcheck .github/workflows/*.yml || status=1
[[ $status == 0 ]] && echo "lint-workflows: clean"
exit "$status"

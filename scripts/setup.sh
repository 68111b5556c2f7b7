#!/usr/bin/env bash
# Installs the Debian packages mxconf needs. Idempotent: skips what is present; works as root or
# through sudo. Nothing is downloaded outside apt.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ git
  clang-14 libclang-rt-14-dev clang-format-14   # fuzz preset (libFuzzer) and the format check
  librapidcheck-dev libgtest-dev libbenchmark-dev
  libflatbuffers-dev flatbuffers-compiler
  nlohmann-json3-dev libcli11-dev
  python3-yaml shellcheck   # the workflows' local run (scripts/test-workflows.sh) and actionlint
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

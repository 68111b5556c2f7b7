#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test through ctest.
# With CI=true also: warnings as errors, the clang-format check, and the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
JOBS=${JOBS:-$(nproc)}
WERROR=OFF
if [ "${CI:-}" = "true" ]; then WERROR=ON; fi

cmake --preset default -DMXCONF_WERROR="$WERROR" >/dev/null
cmake --build --preset default -j "$JOBS"
ctest --preset default -j "$JOBS"

if [ "${CI:-}" = "true" ]; then
  scripts/check-format.sh
  cmake --preset asan -DMXCONF_WERROR=ON >/dev/null
  cmake --build --preset asan -j "$JOBS"
  # The sanitizer build replays the adversarial sweep on 5*10^4 blocks per format and rule; the
  # default build above always runs the full 10^6.
  MXCONF_SWEEP_BLOCKS=50000 ctest --preset asan -j "$JOBS"
fi

#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of the mxconf fuzz targets. Honours the variables those
# services set: $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer and coverage flags), $LIB_FUZZING_ENGINE
# and $OUT. Installs into $OUT each target with its dictionary and a zipped seed corpus.
# Local dry run (docs/fuzzing.md):
#   CC=clang-14 CXX=clang++-14 CFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link" \
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/oss-out .clusterfuzzlite/build.sh
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WORK:-/tmp}/mxconf-oss-fuzz-build
targets="fuzz_tosa_load fuzz_case_json fuzz_pipeline fuzz_block_cast fuzz_roundtrip fuzz_npy"

# The services' flags are the whole story: no build type, no mxconf sanitizer or instrumentation
# flags of our own on top of them.
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DMXCONF_BUILD_FUZZERS=ON -DMXCONF_FUZZ_INSTRUMENT=OFF \
  -DMXCONF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DMXCONF_BUILD_TESTS=OFF -DMXCONF_BUILD_BENCH=OFF -DMXCONF_SANITIZE=OFF \
  -DMXCONF_FAULT_INJECTION=OFF
# shellcheck disable=SC2086
cmake --build "$build" --target $targets

mkdir -p "$OUT"
for t in $targets; do
  cp "$build/fuzz/$t" "$OUT/$t"
  cp "$root/fuzz/$t.dict" "$OUT/$t.dict"
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$root/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
done
echo "mxconf fuzz targets in $OUT: $targets"

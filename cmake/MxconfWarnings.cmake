# Compile options every mxconf target shares: warnings, strict fp semantics, sanitizers.
add_library(mxconf_options INTERFACE)
target_compile_options(mxconf_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # Never contract mul+add into FMA: bit-exact fp32 kernels depend on separate roundings.
  -ffp-contract=off
  # We never read FP exception flags; this lets GCC if-convert float selects (no value changes).
  -fno-trapping-math
  # Lets '#pragma omp simd reduction' vectorize sums that are exact (order-independent).
  -fopenmp-simd)
if(MXCONF_WERROR)
  target_compile_options(mxconf_options INTERFACE -Werror)
endif()
if(MXCONF_BUILD_FUZZERS AND MXCONF_FUZZ_INSTRUMENT)
  target_compile_options(mxconf_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(MXCONF_SANITIZE)
  target_compile_options(mxconf_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # GCC 12's flow-based warnings misfire on sanitizer-instrumented code (e.g. vector::resize of
  # size() - k "exceeds maximum object size"); the default build keeps them as errors.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(mxconf_options INTERFACE
      -Wno-stringop-overflow -Wno-array-bounds -Wno-restrict)
  endif()
  target_link_options(mxconf_options INTERFACE -fsanitize=address,undefined)
endif()

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

# Comparison tracing (trace-cmp, part of -fsanitize=fuzzer-no-link) lets libFuzzer learn the
# magic values an input is compared against, at the cost of a callback per integer comparison.
# In the numeric kernels, the passes and the oracle those comparisons are loop bounds and
# block indices, not input magic: dropping the callbacks there made fuzz_pipeline 2.3x faster
# (docs/fuzzing.md). Edge coverage stays. Parsers, codecs and validators keep full tracing.
function(mxconf_skip_cmp_tracing target)
  if(MXCONF_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    if(ARGN)
      set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS -fno-sanitize-coverage=trace-cmp)
    else()
      target_compile_options(${target} PRIVATE -fno-sanitize-coverage=trace-cmp)
    endif()
  endif()
endfunction()

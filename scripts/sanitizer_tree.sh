# The sanitizer tree, sourced by scripts/test.sh and scripts/fuzz.sh so that both configure it alike: clang with
# ASan and UBSan, and libFuzzer for the fuzz targets (tests/fuzz, docs/fuzzing.md).
sanitizer_dir=build-asan
sanitizer_cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTLPD_SANITIZE=ON -DOTLPD_BENCH=OFF -DOTLPD_FUZZ=ON
                      -DCMAKE_CXX_COMPILER=clang++-14)
# clang's sanitizer runtime symbolises reports with llvm-symbolizer (package llvm-14), which is not on PATH.
sanitizer_symbolizer=external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer
sanitizer_env="ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:$sanitizer_symbolizer UBSAN_OPTIONS=print_stacktrace=1:$sanitizer_symbolizer"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the loader fuzzer (tests/fuzz/fuzz_loader.c) for a fixed number of
# executions and/or a time limit; exits non-zero on any crash, leak,
# sanitizer report or loader contract violation, whose input is saved under
# BUILDDIR/fuzz/artifacts/.
#
# usage: run_fuzz.sh [EXECUTIONS] [SECONDS]
#   EXECUTIONS  default 1000000; 0: no limit (then SECONDS must be set)
#   SECONDS     default 0 = no time limit
# Environment: SWIN_FUZZ_BUILDDIR (default build-fuzz in the source tree),
# configured and built here if needed with clang, ASan and UBSan.
set -euo pipefail

runs=${1:-1000000}
seconds=${2:-0}
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${SWIN_FUZZ_BUILDDIR:-$srcdir/build-fuzz}

if [ "$runs" = 0 ] && [ "$seconds" = 0 ]; then
  echo "run_fuzz.sh: give a number of executions or a time limit" >&2
  exit 2
fi

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" "$srcdir" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dplugin=disabled
fi
meson compile -C "$builddir" tests/fuzz/fuzz-loader tests/fuzz/fuzz-make-seeds

# Seeds are regenerated every run (cheap); the working corpus, which
# libFuzzer grows with every input that reaches new code, persists.
work=$builddir/fuzz
rm -rf "$work/seeds"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$srcdir/tests/fuzz/make_corpus.sh" "$builddir" "$work/seeds"

limits=()
[ "$runs" != 0 ] && limits+=("-runs=$runs")
[ "$seconds" != 0 ] && limits+=("-max_total_time=$seconds")

# Any sanitizer report is fatal; leaks are checked after each input.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
start=$(date +%s)
"$builddir/tests/fuzz/fuzz-loader" "${limits[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -dict="$srcdir/tests/fuzz/safetensors.dict" -artifact_prefix="$work/artifacts/" \
  -print_final_stats=1 "$work/corpus" "$work/seeds"
echo "run_fuzz.sh: passed in $(( $(date +%s) - start )) s; corpus: $(find "$work/corpus" -type f | wc -l) files," \
  "$(du -sk "$work/corpus" | cut -f1) KiB"

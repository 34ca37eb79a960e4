#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# CI hardening pass: the whole meson test suite (every suite) built with
# AddressSanitizer + UndefinedBehaviorSanitizer (gcc) where any report fails
# the test, then a time-boxed pass of the loader fuzzer (clang, libFuzzer).
#
# usage: tests/ci-sanitizers.sh [FUZZ_SECONDS]    (default 60; 0 skips it)
# Environment: SWIN_ASAN_BUILDDIR (default build-asan in the source tree),
# SWIN_FUZZ_BUILDDIR (see tests/fuzz/run_fuzz.sh).
set -euo pipefail

fuzz_seconds=${1:-60}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${SWIN_ASAN_BUILDDIR:-$srcdir/build-asan}

# b_lundef=false: the plugin is a shared module whose ASan symbols come from
# the executable that loads it.  test_validation=false: the Khronos
# validation layer (1.3.239) leaks a few objects per VkDevice inside itself,
# and unloads before LSan can name it; the normal CI run keeps validation on.
options=("-Db_sanitize=address,undefined" -Db_lundef=false -Dtest_validation=false)
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" "${options[@]}"
else
  meson configure "$builddir" "${options[@]}"
fi
meson compile -C "$builddir"

# Any report aborts the test, which meson then counts as failed.  LSan runs
# at every test's exit; tests/lsan.supp lists only leaks inside third-party
# libraries.  (meson test keeps these: it sets its own only when unset.)
asan_options=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_summary=1
export LSAN_OPTIONS=suppressions=$srcdir/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1
# GStreamer scans plugins in a helper process, gst-plugin-scanner, which has
# no ASan runtime and so cannot load our instrumented plugin: run it with the
# runtime preloaded.  Its leak check stays off: it only loads plugins, and
# scanning every system plugin grows GLib's quark table past its first
# block, which GLib abandons on purpose (16 KiB, reported in any process
# that scans, gst-inspect-1.0 included).  The tests load our plugin
# themselves, with every check on.
scanner=$(pkg-config --variable=pluginscannerdir gstreamer-1.0)/gst-plugin-scanner
export GST_PLUGIN_SCANNER_1_0=$builddir/asan-plugin-scanner
printf '#!/bin/sh\nLD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' \
  "$(gcc -print-file-name=libasan.so)" "$scanner" > "$GST_PLUGIN_SCANNER_1_0"
chmod +x "$GST_PLUGIN_SCANNER_1_0"
start=$(date +%s)
# ASan and UBSan make the tests 2-3x slower than their timeouts assume.
# Suite memcheck runs valgrind, which cannot run ASan binaries.
ASAN_OPTIONS=$asan_options meson test -C "$builddir" --print-errorlogs --timeout-multiplier 3 \
  --no-suite stress --no-suite memcheck
# The stress suite bounds RSS growth, which ASan's quarantine (up to 256 MiB
# of freed memory held back to catch use-after-free) turns into apparent
# growth: run it without quarantine; overflows and leaks are still caught.
ASAN_OPTIONS=$asan_options:quarantine_size_mb=0:thread_local_quarantine_size_kb=0 \
  meson test -C "$builddir" --print-errorlogs --timeout-multiplier 3 --suite stress
echo "ci-sanitizers.sh: test suite clean under ASan+UBSan in $(( $(date +%s) - start )) s"

if [ "$fuzz_seconds" != 0 ]; then
  "$srcdir/tests/fuzz/run_fuzz.sh" 0 "$fuzz_seconds"
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Reliability checks that plain `meson test` does not run.
#
#   tests/ci-stress.sh [--long] BUILDDIR
#
# Always: a ThreadSanitizer build (clang) in BUILDDIR-tsan of the plugin and
# of the threaded element tests (4 pipelines at once; flush/EOS with the
# async worker), run with tests/tsan.supp; any report fails.
# (`meson test` in BUILDDIR already runs the short forms of the other checks:
# suite 'stress' = 200 state cycles with the validation layer and a
# 1000-frame soak; suite 'memcheck' = 3 state cycles under valgrind.)
#
# --long, in addition, on BUILDDIR (about 1.5 hours on 2 cores, mostly
# valgrind): 1000 NULL->PLAYING->NULL cycles under valgrind memcheck, 1000
# cycles with the validation layer (every Vulkan object destroyed, RSS
# printed), and the 10,000-frame soak with its RSS curve.
set -euo pipefail
long=0
if [ "${1:-}" = "--long" ]; then
  long=1
  shift
fi
build=$(realpath "${1:?usage: $0 [--long] BUILDDIR}")
src=$(dirname "$(realpath "$0")")
root=$(dirname "$src")
. "$src/stress-env.sh"

# The memcheck test exists only where meson found valgrind: CI must have it.
# (The list is read whole first: grep -q closing the pipe early would fail
# it under pipefail.)
tests=$(meson test -C "$build" --list 2>/dev/null)
if ! grep -q "cycles-memcheck" <<<"$tests"; then
  echo "$build has no cycles-memcheck test: install valgrind and reconfigure" >&2
  exit 1
fi

# --- ThreadSanitizer ---
tsan="$build-tsan"
if [ ! -d "$tsan" ]; then
  CC=clang meson setup "$tsan" "$root" -Db_sanitize=thread -Db_lundef=false -Dtests=enabled \
    -Dplugin=enabled
fi
ninja -C "$tsan" plugin/libgstswin.so tests/test-concurrency tests/test-element-robustness \
  tests/test-shared tests/test-publish-mqtt
# The tests scan plugins in their own (instrumented) process, see below, and
# some system plugins' libraries misbehave in their constructors (libOpenNI2,
# under the opencv and openni2 plugins, unlocks a mutex it never locked;
# DirectFB's libdirect locks one it never made): TSan reports those at load,
# before any test code runs.  So these tests see only the system plugins
# they use, in a fresh registry.
plugins="$tsan/system-plugins"
rm -rf "$plugins" "$tsan/tests/stress-registry.bin"
mkdir -p "$plugins"
for p in coreelements app videotestsrc videoconvertscale; do
  ln -s "$(pkg-config --variable=pluginsdir gstreamer-1.0)/libgst$p.so" "$plugins/"
done
export GST_PLUGIN_SYSTEM_PATH_1_0="$plugins"
# The system's gst-plugin-scanner cannot load a TSan-built plugin: scan in
# the (instrumented) test process.  GSlice's lock-free magazines are GLib
# internals TSan cannot follow: plain malloc instead.  Check's fork mode
# would run the tests in a child of a threaded process: off.
TSAN_OPTIONS="suppressions=$src/tsan.supp halt_on_error=1" \
GST_REGISTRY_FORK=no G_SLICE=always-malloc CK_FORK=no \
  meson test -C "$tsan" --no-rebuild --print-errorlogs concurrency element-robustness shared \
    publish-mqtt

[ "$long" = 1 ] || exit 0

# --- long forms ---
stress_env "$build"
echo "== 1000 state cycles under valgrind memcheck (no validation layer) =="
SWIN_VK_VALIDATION=0 G_SLICE=always-malloc /usr/bin/time -f "wall %e s, max RSS %M KiB" \
  valgrind --num-callers=20 --leak-check=full --errors-for-leak-kinds=definite \
  --error-exitcode=1 --suppressions="$src/valgrind.supp" \
  "$build/tests/stress-cycles" 1000 2
echo "== 1000 state cycles with the validation layer =="
"$build/tests/stress-cycles" 1000 2
echo "== 10,000-frame soak =="
"$src/soak.sh" "$build" 10000 500 2000 2000

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Soak test of swinclassify in async mode: FRAMES frames through
# `videotestsrc ! identity sleep-time=PACE ! swinclassify mode=async ! fakesink`
# (tiny model, lavapipe, validation layer on), the process's VmRSS printed
# every STEP frames; fails if the RSS grows by more than 1 MiB after the
# first WARMUP frames or if frames in != frames out (see tests/soak.c).
#
# Usage: tests/soak.sh BUILDDIR [FRAMES [STEP [WARMUP [PACE_US]]]]
#        (default 10000 500 2000 2000; `meson test --suite stress` runs 1000)
set -euo pipefail
build=$(realpath "${1:?usage: $0 BUILDDIR [FRAMES [STEP [WARMUP [PACE_US]]]]}")
shift
src=$(dirname "$(realpath "$0")")
. "$src/stress-env.sh"
stress_env "$build"
exec "$build/tests/soak" "${1:-10000}" "${2:-500}" "${3:-2000}" "${4:-2000}"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One command on a fresh Debian 12 machine: install what is missing, build,
# fetch the pretrained Swin-T when online, and run the demo pipeline.
#
# Usage: pipelines/quickstart.sh [BUILD_DIR]    (default: build)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cd "$root"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=$(for p in $(cat .ci/packages); do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "quickstart: installing $(echo $missing | wc -w) Debian packages" >&2
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

[ -d "$build" ] || meson setup "$build"
meson compile -C "$build"

if [ ! -f models/swin_tiny_patch4_window7_224.safetensors ]; then
    tools/fetch_weights.sh models ||
        echo "quickstart: could not download the pretrained weights: falling back to random ones" >&2
fi

# lavapipe when the machine has no other Vulkan device: the demo runs either way.
FRAMES=${FRAMES:-10} exec pipelines/demo.sh "$build"

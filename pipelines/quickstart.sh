#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One command on a fresh Debian 12 machine: install what is missing, build,
# and run a demo: online, the pretrained ImageNet Swin-T (downloaded) on a
# test pattern; offline, the Fashion-MNIST Swin shipped in models/ on test
# images (one line per frame, accuracy, PNG contact sheet in BUILD_DIR).
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

imagenet=models/swin_tiny_patch4_window7_224.safetensors
if [ ! -f "$imagenet" ]; then
    tools/fetch_weights.sh models ||
        echo "quickstart: could not download the ImageNet Swin-T (offline?): running the Fashion-MNIST demo" >&2
fi

# lavapipe when the machine has no other Vulkan device: the demo runs either way.
if [ -f "$imagenet" ]; then
    echo "quickstart: model: timm's Swin-T trained on ImageNet-1k ($imagenet), on a videotestsrc stream" >&2
    FRAMES=${FRAMES:-10} exec pipelines/demo.sh "$build"
fi
echo "quickstart: model: the small Swin trained on Fashion-MNIST that ships in models/ (tools/train_fashion.py)" >&2
export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec /usr/bin/python3 pipelines/fashion_demo.py --sheet "$build/fashion_demo.png"

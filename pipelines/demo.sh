#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Demo: classify a test video with swinclassify and print one JSON line per
# frame (pipelines/swin-print).
#
# Usage: pipelines/demo.sh [BUILD_DIR]       (default: build)
# Environment: FRAMES (default 5), PATTERN (videotestsrc pattern, default ball),
#              DEVICE (Vulkan device index or name substring).
#
# Uses the pretrained Swin-T from models/ when present (tools/fetch_weights.sh
# downloads it); otherwise a Swin-T with random weights, whose labels are
# meaningless.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
frames=${FRAMES:-5}
pattern=${PATTERN:-ball}

for f in "$build/plugin/libgstswin.so" "$build/pipelines/swin-print" "$build/tools/swin"; do
    [ -e "$f" ] || { echo "demo.sh: $f not found: build first (meson setup $build && meson compile -C $build)" >&2; exit 1; }
done

model=$root/models/swin_tiny_patch4_window7_224.safetensors
if [ -f "$model" ]; then
    echo "demo.sh: pretrained model $model" >&2
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    model=$tmp/swin_t_random.safetensors
    "$build/tools/swin" init --arch swin_t --seed 1 "$model" >/dev/null
    echo "demo.sh: no pretrained model at models/ (run tools/fetch_weights.sh)." >&2
    echo "demo.sh: using RANDOM weights: the labels and scores below are MEANINGLESS." >&2
fi

export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec "$build/pipelines/swin-print" \
    "videotestsrc num-buffers=$frames pattern=$pattern ! video/x-raw,width=320,height=240 !" \
    "swinclassify model=\"$model\" ${DEVICE:+device=\"$DEVICE\"} ! fakesink"

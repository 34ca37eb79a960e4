#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A detector feeding the classifier: OpenCV's face detector (gst-plugins-bad
# facedetect, Debian gstreamer1.0-opencv + opencv-data) finds faces in a
# photograph (scikit-image's astronaut by default), swinclassify classifies
# each face region (inference-region=roi-list), and swinpublish prints one
# JSON line per frame with the regions and their labels.
#
# Usage: pipelines/detect_classify.sh [BUILD_DIR] [MODEL] [IMAGE.png]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model=${2:-$root/models/swin_tiny_patch4_window7_224.safetensors}
image=${3:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
cascades=/usr/share/opencv4/haarcascades

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$model" ]; then
    echo "detect_classify.sh: no $model: using a Swin-T with RANDOM weights (labels meaningless)" >&2
    model=$tmp/swin_t_random.safetensors
    "$build/tools/swin" init --arch swin_t --seed 1 "$model" >/dev/null
fi
export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
# facedetect's default nose, mouth and eye cascades are not in Debian's
# opencv-data: point them at cascades that are.
gst-launch-1.0 -q filesrc location="$image" ! pngdec ! imagefreeze num-buffers=3 ! videoconvert ! \
    facedetect display=false profile=$cascades/haarcascade_frontalface_default.xml \
        eyes-profile=$cascades/haarcascade_eye.xml nose-profile=$cascades/haarcascade_eye.xml \
        mouth-profile=$cascades/haarcascade_smile.xml ! \
    swinclassify model="$model" inference-region=roi-list object-class=face ! \
    swinpublish file-path=- ! fakesink 2> >(grep -v 'persistence.cpp' >&2)

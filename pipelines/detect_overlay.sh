#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# GStreamer 1.24+ (the analytics library): facedetect's region metas become
# detections (ODMtd) in swinclassify, its classes ClsMtd related to them, and
# gst-plugins-bad's objectdetectionoverlay draws each face boxed with
# swinclassify's label, written as a PNG.
#
# Usage: pipelines/detect_overlay.sh [BUILD_DIR] [MODEL LABELS] [IMAGE.png] [OUT.png]
#   (default: the shipped Fashion-MNIST model, whose classes are clothes: on a
#   face its label shows the wiring, not a meaning)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model=${2:-$root/models/fashion_mnist_swin.safetensors}
labels=${3:-$root/models/fashion_mnist_labels.txt}
image=${4:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
out=${5:-overlay.png}
cascades=/usr/share/opencv4/haarcascades

export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-inspect-1.0 objectdetectionoverlay >/dev/null 2>&1 || {
    echo "detect_overlay.sh: no objectdetectionoverlay (GStreamer 1.24+'s gst-plugins-bad)" >&2
    exit 1
}
# facedetect's default nose, mouth and eye cascades are not in Debian's
# opencv-data: point them at cascades that are.
gst-launch-1.0 -q filesrc location="$image" ! pngdec ! videoconvert ! video/x-raw,format=RGB ! \
    facedetect display=false profile=$cascades/haarcascade_frontalface_default.xml \
        eyes-profile=$cascades/haarcascade_eye.xml nose-profile=$cascades/haarcascade_eye.xml \
        mouth-profile=$cascades/haarcascade_smile.xml ! \
    swinclassify model="$model" labels="$labels" inference-region=roi-list object-class=face ! \
    videoconvert ! objectdetectionoverlay ! videoconvert ! pngenc ! filesink location="$out"
echo "wrote $out"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Downloads pretrained Swin-T or Swin-V2-T ImageNet-1k weights as safetensors.
#
# Usage: fetch_weights.sh [--torchvision] [--v2] [DEST_DIR]
#
# Default: timm's swin_tiny_patch4_window7_224.ms_in1k from the Hugging Face
# hub, saved as DEST_DIR/swin_tiny_patch4_window7_224.safetensors.
# --torchvision: torchvision's swin_t-704ceda3.pth, converted with
# convert_pth.py to DEST_DIR/swin_t_torchvision.safetensors (needs torch in
# $PYTHON, default /usr/bin/python3).
# --v2: Swin V2 instead: torchvision's swin_v2_t-b137f0e2.pth (256x256,
# window 8) to DEST_DIR/swin_v2_t_torchvision.safetensors with --torchvision;
# else timm's swinv2_tiny_window8_256.ms_in1k, whose file has no
# relative_coords_table, passed through convert_pth.py --window 8 to
# DEST_DIR/swinv2_tiny_window8_256.safetensors (both need torch).
# DEST_DIR defaults to models/.
set -eu

TIMM_URL=https://huggingface.co/timm/swin_tiny_patch4_window7_224.ms_in1k/resolve/main/model.safetensors
TV_URL=https://download.pytorch.org/models/swin_t-704ceda3.pth
# torchvision names its files after the first hex digits of their SHA-256.
TV_SHA256_PREFIX=704ceda3
TIMM_V2_URL=https://huggingface.co/timm/swinv2_tiny_window8_256.ms_in1k/resolve/main/pytorch_model.bin
TV_V2_URL=https://download.pytorch.org/models/swin_v2_t-b137f0e2.pth
TV_V2_SHA256_PREFIX=b137f0e2
# The files are ~110 MB; anything below this is an error page or a stub.
MIN_BYTES=50000000
PYTHON=${PYTHON:-/usr/bin/python3}

usage() {
    echo "usage: $0 [--torchvision] [--v2] [DEST_DIR]" >&2
    exit 2
}

die() {
    echo "fetch_weights.sh: $*" >&2
    exit 1
}

mode=timm
version=1
dest=
for arg in "$@"; do
    case $arg in
        --torchvision) mode=torchvision ;;
        --v2) version=2 ;;
        -h|--help) usage ;;
        -*) echo "fetch_weights.sh: unknown option $arg" >&2; usage ;;
        *) [ -z "$dest" ] || usage; dest=$arg ;;
    esac
done
dest=${dest:-models}

# download URL FILE: fetches URL into FILE through a temporary file, so that an
# interrupted transfer never leaves a truncated FILE behind.
download() {
    local url=$1 out=$2 tmp=$2.part size
    rm -f "$tmp"
    echo "downloading $url"
    if command -v curl >/dev/null 2>&1; then
        curl -fL --retry 2 --connect-timeout 20 -o "$tmp" "$url" || true
    elif command -v wget >/dev/null 2>&1; then
        wget -O "$tmp" "$url" || true
    else
        die "neither curl nor wget is installed"
    fi
    size=$(stat -c %s "$tmp" 2>/dev/null || echo 0)
    if [ "$size" -lt "$MIN_BYTES" ]; then
        rm -f "$tmp"
        die "download of $url failed or is truncated ($size bytes); is this machine online?"
    fi
    mv "$tmp" "$out"
}

mkdir -p "$dest" || die "cannot create $dest"

if [ "$mode" = timm ] && [ "$version" = 1 ]; then
    out=$dest/swin_tiny_patch4_window7_224.safetensors
    download "$TIMM_URL" "$out"
    echo "wrote $out"
    exit 0
fi

# Checked before the download so that a missing torch costs no transfer.
"$PYTHON" -c "import torch, numpy" 2>/dev/null ||
    die "$PYTHON cannot import torch and numpy, needed to convert the .pth" \
        "(Debian: apt install python3-torch)"
convert() {   # convert PTH OUT CONVERT-OPTIONS...
    "$PYTHON" "$(dirname "$0")/convert_pth.py" "$@" || die "conversion of $1 failed"
    rm -f "$1"
    echo "wrote $2"
}

if [ "$mode" = timm ]; then
    pth=$dest/swinv2_tiny_window8_256.bin
    download "$TIMM_V2_URL" "$pth"
    convert "$pth" "$dest/swinv2_tiny_window8_256.safetensors" --img-size 256 --window 8
    exit 0
fi

# download_checked URL PREFIX FILE: torchvision's file, its SHA-256 checked.
download_checked() {
    local sum
    download "$1" "$3"
    sum=$(sha256sum "$3" | cut -c1-${#2})
    if [ "$sum" != "$2" ]; then
        rm -f "$3"
        die "checksum of $1 is $sum..., expected $2..."
    fi
}

if [ "$version" = 2 ]; then
    pth=$dest/swin_v2_t-b137f0e2.pth
    download_checked "$TV_V2_URL" "$TV_V2_SHA256_PREFIX" "$pth"
    convert "$pth" "$dest/swin_v2_t_torchvision.safetensors" --img-size 256
else
    pth=$dest/swin_t-704ceda3.pth
    download_checked "$TV_URL" "$TV_SHA256_PREFIX" "$pth"
    convert "$pth" "$dest/swin_t_torchvision.safetensors" --img-size 224
fi

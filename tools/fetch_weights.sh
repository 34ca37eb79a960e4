#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Downloads pretrained Swin-T ImageNet-1k weights as safetensors.
#
# Usage: fetch_weights.sh [--torchvision] [DEST_DIR]
#
# Default: timm's swin_tiny_patch4_window7_224.ms_in1k from the Hugging Face
# hub, saved as DEST_DIR/swin_tiny_patch4_window7_224.safetensors.
# --torchvision: torchvision's swin_t-704ceda3.pth, converted with
# convert_pth.py to DEST_DIR/swin_t_torchvision.safetensors (needs torch in
# $PYTHON, default /usr/bin/python3).
# DEST_DIR defaults to models/.
set -eu

TIMM_URL=https://huggingface.co/timm/swin_tiny_patch4_window7_224.ms_in1k/resolve/main/model.safetensors
TV_URL=https://download.pytorch.org/models/swin_t-704ceda3.pth
# torchvision names its files after the first hex digits of their SHA-256.
TV_SHA256_PREFIX=704ceda3
# Both files are ~113 MB; anything below this is an error page or a stub.
MIN_BYTES=50000000
PYTHON=${PYTHON:-/usr/bin/python3}

usage() {
    echo "usage: $0 [--torchvision] [DEST_DIR]" >&2
    exit 2
}

die() {
    echo "fetch_weights.sh: $*" >&2
    exit 1
}

mode=timm
dest=
for arg in "$@"; do
    case $arg in
        --torchvision) mode=torchvision ;;
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

if [ "$mode" = timm ]; then
    out=$dest/swin_tiny_patch4_window7_224.safetensors
    download "$TIMM_URL" "$out"
    echo "wrote $out"
    exit 0
fi

# Checked before the download so that a missing torch costs no transfer.
"$PYTHON" -c "import torch, numpy" 2>/dev/null ||
    die "$PYTHON cannot import torch and numpy, needed to convert the .pth" \
        "(Debian: apt install python3-torch)"
pth=$dest/swin_t-704ceda3.pth
download "$TV_URL" "$pth"
sum=$(sha256sum "$pth" | cut -c1-${#TV_SHA256_PREFIX})
if [ "$sum" != "$TV_SHA256_PREFIX" ]; then
    rm -f "$pth"
    die "checksum of $TV_URL is $sum..., expected $TV_SHA256_PREFIX..."
fi
out=$dest/swin_t_torchvision.safetensors
"$PYTHON" "$(dirname "$0")/convert_pth.py" "$pth" "$out" --img-size 224 ||
    die "conversion of $pth failed"
rm -f "$pth"
echo "wrote $out"

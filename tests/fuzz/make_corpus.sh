#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Seed corpus of the loader fuzzer: tiny valid Swin and Swin V2 checkpoints
# in the three key layouts (written by fuzz-make-seeds through
# swin_model_init_random), their
# F16 / BF16 / mixed-dtype, absolute-position-embedding and metadata
# variants, and a few truncated or corrupted files.  Generated, not
# committed: 126 files, about 2.5 MiB, each under 64 KiB (the fuzzer's -max_len).
#
# usage: make_corpus.sh BUILDDIR OUTDIR
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILDDIR OUTDIR" >&2
  exit 2
fi
builddir=$1
out=$2
srcdir=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$out"
"$builddir/tests/fuzz/fuzz-make-seeds" "$out"

# Debian's python3 has numpy, which tools/safetensors_io.py needs.
PYTHONPATH="$srcdir/tools" /usr/bin/python3 - "$out" <<'PY'
import glob
import os
import struct
import sys

import numpy as np

import safetensors_io as st

out = sys.argv[1]


def half(tensors, pick):
    """Converts every F32 tensor to the dtype pick(index) returns."""
    result = {}
    for i, (name, t) in enumerate(sorted(tensors.items())):
        dtype, shape, data = t
        if dtype == "F32":
            target = pick(i)
            values = np.frombuffer(data, dtype="<f4")
            if target == "F16":
                t = st.from_numpy(values.reshape(shape).astype(np.float16), "F16")
            else:   # BF16: the upper half of each float32
                bits = (values.view("<u4") >> 16).astype("<u2")
                t = ("BF16", shape, bits.tobytes())
        result[name] = t
    return result


for path in sorted(glob.glob(os.path.join(out, "*-f32.safetensors"))):
    base = path[:-len("-f32.safetensors")]
    tensors, meta = st.load(path)
    st.save(base + "-f16.safetensors", half(tensors, lambda i: "F16"), meta)
    st.save(base + "-bf16.safetensors", half(tensors, lambda i: "BF16"), meta)
    st.save(base + "-mixed.safetensors", half(tensors, lambda i: "F16" if i % 2 else "BF16"), meta)
    # No metadata: the image size comes from the window (or the embedding).
    st.save(base + "-nometa.safetensors", tensors)

    # Absolute position embedding, [1, L, C] and timm's grid [1, H, W, C].
    stem = tensors.get("patch_embed.proj.weight") or tensors.get("features.0.0.weight")
    c, p = stem[1][0], stem[1][2]
    grid = int(meta["img_size"]) // p
    pos = np.linspace(-1, 1, grid * grid * c, dtype=np.float32)
    ape = dict(tensors)
    ape["absolute_pos_embed"] = st.from_numpy(pos.reshape(1, grid * grid, c))
    st.save(base + "-ape.safetensors", ape)
    ape["absolute_pos_embed"] = st.from_numpy(pos.reshape(1, grid, grid, c))
    st.save(base + "-apegrid.safetensors", ape, {"img_size": "[%d, %d]" % (grid * p, grid * p)})

# Broken files, from the smallest seed of each layout.
for layout in ("torchvision", "original", "timm"):
    with open(os.path.join(out, "s1-%s-f16.safetensors" % layout), "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    broken = {
        "cut-data": blob[: len(blob) - 7],
        "cut-header": blob[: 8 + n // 2],
        "header-len-big": struct.pack("<Q", n + 4096) + blob[8:],
        "header-len-small": struct.pack("<Q", n - 9) + blob[8:],
        "shape-digit": blob.replace(b'"shape":[8', b'"shape":[9', 1),
        "offsets-swap": blob.replace(b'"data_offsets":[0,', b'"data_offsets":[2,', 1),
        "dtype-i64": blob.replace(b'"F16"', b'"I64"', 1),
    }
    for name, data in broken.items():
        with open(os.path.join(out, "bad-%s-%s.safetensors" % (layout, name)), "wb") as f:
            f.write(data)
PY

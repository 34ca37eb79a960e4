# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fashion-MNIST as the shipped model sees it (numpy only).

Reads Debian's dataset-fashion-mnist files and brings a 28x28 greyscale image
to the model's input: a bilinear resize to 32x32 (half-pixel centres, i.e.
torch's interpolate(mode="bilinear", align_corners=False)), rounded back to
8 bits, so that the training images, the PyTorch evaluation and the RGB
frames given to the element hold the same bytes.
"""

import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
LABELS = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SOURCE_SIZE = 28
IMG_SIZE = 32
# Mean and standard deviation of the training images' pixels (in [0, 1]),
# rounded to the 4 digits that training and the checkpoint metadata use.
MEAN = 0.2860
STD = 0.3530
PREPROCESS = ("28x28 greyscale resized bilinearly to 32x32 (half-pixel centres, "
              "align_corners=False), rounded to 8 bits, replicated to R, G and B")


class DataError(Exception):
    pass


def _read_idx(path, magic, dims):
    try:
        with gzip.open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise DataError("cannot read %s: %s (Debian package dataset-fashion-mnist)" % (path, e))
    header = np.frombuffer(blob[:4 + 4 * dims], dtype=">u4")
    if len(header) != 1 + dims or header[0] != magic:
        raise DataError("%s is not an IDX file of %d dimensions" % (path, dims))
    shape = tuple(int(d) for d in header[1:])
    data = np.frombuffer(blob[4 + 4 * dims:], dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise DataError("%s: %d bytes of data for shape %s" % (path, data.size, shape))
    return data.reshape(shape)


def load(split):
    """Returns (images uint8 [N, 28, 28], labels uint8 [N]) of "train" or "test"."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images = _read_idx(os.path.join(DATA_DIR, prefix + "-images-idx3-ubyte.gz"), 0x803, 3)
    labels = _read_idx(os.path.join(DATA_DIR, prefix + "-labels-idx1-ubyte.gz"), 0x801, 1)
    if len(images) != len(labels) or images.shape[1:] != (SOURCE_SIZE, SOURCE_SIZE):
        raise DataError("%s: %s images for %d labels" % (split, images.shape, len(labels)))
    if labels.max() >= len(LABELS):
        raise DataError("%s: label %d out of range" % (split, labels.max()))
    return images, labels


def _bilinear_taps(src, dst):
    """Indices and weights of a half-pixel-centre linear resize of src to dst samples."""
    pos = np.maximum((np.arange(dst) + 0.5) * src / dst - 0.5, 0.0)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, src - 1)
    return i0, i1, pos - i0


def resize(images, size=IMG_SIZE):
    """uint8 [N, h, w] -> uint8 [N, size, size]: bilinear, rounded to 8 bits."""
    x = images.astype(np.float64)
    y0, y1, wy = _bilinear_taps(x.shape[1], size)
    x0, x1, wx = _bilinear_taps(x.shape[2], size)
    rows = x[:, y0, :] * (1.0 - wy)[None, :, None] + x[:, y1, :] * wy[None, :, None]
    out = rows[:, :, x0] * (1.0 - wx) + rows[:, :, x1] * wx
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def to_rgb(images):
    """uint8 [N, h, w] -> uint8 [N, h, w, 3], the grey value in each channel."""
    return np.repeat(images[..., None], 3, axis=3)


def frame_bytes(frame):
    """uint8 [h, w, 3] RGB as GStreamer lays out a buffer of its caps: rows padded to 4 bytes."""
    h, w, _ = frame.shape
    out = np.zeros((h, (w * 3 + 3) & ~3), np.uint8)
    out[:, :w * 3] = frame.reshape(h, w * 3)
    return out.tobytes()

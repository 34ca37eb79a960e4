# SPDX-License-Identifier: LGPL-2.1-or-later
"""Minimal safetensors reader and writer (no third-party dependency but numpy).

File format: an unsigned 64-bit little-endian header length N, N bytes of
JSON header {name: {"dtype", "shape", "data_offsets": [begin, end]},
"__metadata__": {str: str}}, then the raw little-endian tensor data; offsets
are relative to the first byte after the header.

A tensor is handled as a (dtype, shape, data) triple where dtype is a
safetensors name ("F32", "F16", "BF16", ...) and data the raw bytes, so that
BF16, which numpy cannot represent, passes through unchanged.
"""

import json
import struct

import numpy as np

# Element sizes in bytes of the dtypes this project reads or writes.
DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4,
               "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

_NUMPY_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8",
                 "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
                 "BOOL": "?"}

# A header far larger than any Swin checkpoint needs means a corrupt file.
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(Exception):
    pass


def from_numpy(array, dtype=None):
    """Returns the (dtype, shape, data) triple of a numpy array.

    dtype: the safetensors name; default F32 for float32 arrays, F16 for
    float16 ones. The array is converted to that type, little-endian.
    """
    if dtype is None:
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}.get(array.dtype)
        if dtype is None:
            raise SafetensorsError("no default safetensors dtype for numpy %s" % array.dtype)
    if dtype not in _NUMPY_DTYPES:
        raise SafetensorsError("dtype %s cannot be converted from numpy" % dtype)
    data = np.ascontiguousarray(array, dtype=_NUMPY_DTYPES[dtype]).tobytes()
    return (dtype, list(array.shape), data)


def to_numpy(tensor):
    """Returns a (dtype, shape, data) triple as a numpy array; BF16 becomes float32."""
    dtype, shape, data = tensor
    if dtype == "BF16":
        # bfloat16 is the upper half of a float32.
        bits = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    if dtype not in _NUMPY_DTYPES:
        raise SafetensorsError("dtype %s cannot be converted to numpy" % dtype)
    return np.frombuffer(data, dtype=_NUMPY_DTYPES[dtype]).reshape(shape)


def save(path, tensors, metadata=None):
    """Writes tensors ({name: (dtype, shape, data)}) and string metadata to path."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    # Larger elements first, so that every tensor starts at an offset that is
    # a multiple of its element size (the data start is 8-aligned) and a
    # loader can mmap the file and read the values in place.
    names = sorted(tensors, key=lambda n: (-DTYPE_SIZES.get(tensors[n][0], 1), n))
    offset = 0
    for name in names:
        dtype, shape, data = tensors[name]
        if name == "__metadata__":
            raise SafetensorsError("'__metadata__' cannot name a tensor")
        if dtype not in DTYPE_SIZES:
            raise SafetensorsError("%s: unknown dtype %s" % (name, dtype))
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if len(data) != count * DTYPE_SIZES[dtype]:
            raise SafetensorsError("%s: %d bytes for %s %s" % (name, len(data), dtype, shape))
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(tensors[name][2])


def load(path):
    """Reads path; returns ({name: (dtype, shape, data)}, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError("%s: too short for a safetensors file" % path)
    (size,) = struct.unpack("<Q", blob[:8])
    if size > min(len(blob) - 8, _MAX_HEADER):
        raise SafetensorsError("%s: header length %d is out of range" % (path, size))
    try:
        header = json.loads(blob[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorsError("%s: bad JSON header: %s" % (path, e))
    if not isinstance(header, dict):
        raise SafetensorsError("%s: header is not a JSON object" % path)
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + size:]
    tensors = {}
    for name, info in header.items():
        try:
            dtype, shape = info["dtype"], info["shape"]
            begin, end = info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise SafetensorsError("%s: malformed entry for %s" % (path, name))
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError("%s: bad shape for %s" % (path, name))
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if (dtype not in DTYPE_SIZES or not 0 <= begin <= end <= len(data)
                or end - begin != count * DTYPE_SIZES[dtype]):
            raise SafetensorsError("%s: inconsistent entry for %s" % (path, name))
        tensors[name] = (dtype, list(shape), bytes(data[begin:end]))
    return tensors, metadata

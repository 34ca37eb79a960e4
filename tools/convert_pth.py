#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Converts a Swin Transformer PyTorch checkpoint to safetensors.

Usage: convert_pth.py IN.pth OUT.safetensors [--dtype f32|f16|bf16] [--img-size N]
                      [--window M[,M...]] [--pretrained-window M[,M...]]

Accepts a torchvision swin_t/s/b or swin_v2_t/s/b state dict, a
microsoft/Swin-Transformer checkpoint (a dict whose "model" entry is the
state dict) or a timm one, Swin or Swin V2. Key names are kept as they are:
the swinclassify loader recognises all three layouts and both versions. The
relative_position_index and attn_mask buffers are dropped, since the loader
computes them; V2's relative_coords_table is kept, since it tells the window.

A Swin V2 checkpoint without relative_coords_table (timm's) needs --window
(one size, or one per stage); one fine-tuned from another resolution needs
--pretrained-window where its configuration had pretrained_window_sizes.
Both are stored as __metadata__. Needs torch (Debian: /usr/bin/python3 with
python3-torch).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DTYPES = ("f32", "f16", "bf16")
# Buffers a checkpoint may carry that are derived from the window size.
DERIVED_SUFFIXES = ("relative_position_index", "attn_mask")


def fail(message):
    print("convert_pth.py: " + message, file=sys.stderr)
    sys.exit(1)


def find_state_dict(checkpoint):
    """Returns the tensor dict inside a loaded checkpoint."""
    if not isinstance(checkpoint, dict):
        fail("the checkpoint holds a %s, not a state dict" % type(checkpoint).__name__)
    # Training checkpoints wrap the weights with optimiser state and so on.
    for wrapper in ("model", "state_dict", "model_ema"):
        inner = checkpoint.get(wrapper)
        if isinstance(inner, dict) and inner:
            return inner
    return checkpoint


def tensor_bytes(torch, tensor, dtype):
    """Returns the (dtype, shape, data) triple of tensor converted to dtype."""
    tensor = tensor.detach().cpu().contiguous()
    shape = list(tensor.shape)
    if dtype == "bf16":
        # numpy has no bfloat16: write the raw 16-bit patterns.
        bits = tensor.to(torch.bfloat16).view(torch.int16).numpy()
        return ("BF16", shape, bits.astype("<i2").tobytes())
    if dtype == "f16":
        return ("F16", shape, tensor.to(torch.float16).numpy().astype("<f2").tobytes())
    return ("F32", shape, tensor.to(torch.float32).numpy().astype("<f4").tobytes())


def window_list(text):
    """Parses "8" or "12,12,12,6" (argparse type)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a window size or a comma-separated list" % text)
    if not sizes or any(m < 1 for m in sizes):
        raise argparse.ArgumentTypeError("window sizes must be positive: %r" % text)
    return ",".join(str(m) for m in sizes)


def main():
    parser = argparse.ArgumentParser(description="Convert a Swin .pth checkpoint to safetensors.")
    parser.add_argument("input", help="torchvision, original-repo or timm .pth file")
    parser.add_argument("output", help="safetensors file to write")
    parser.add_argument("--dtype", choices=DTYPES, default="f32",
                        help="storage type of the weights (default f32)")
    parser.add_argument("--img-size", type=int, metavar="N",
                        help="training resolution, stored as img_size metadata")
    parser.add_argument("--window", type=window_list, metavar="M[,M...]",
                        help="Swin V2: window size (or one per stage), stored as window_size metadata")
    parser.add_argument("--pretrained-window", type=window_list, metavar="M[,M...]",
                        help="Swin V2: the pretraining window of a fine-tuned model, stored as "
                             "pretrained_window_size metadata")
    args = parser.parse_args()
    if args.img_size is not None and args.img_size <= 0:
        fail("--img-size must be positive")

    try:
        import torch

        import safetensors_io
    except ImportError as e:
        fail("%s lacks torch or numpy (%s); on Debian use /usr/bin/python3 with "
             "python3-torch" % (sys.executable, e))

    try:
        checkpoint = torch.load(args.input, map_location="cpu")
    except Exception as e:  # torch raises many types for unreadable files
        fail("cannot load %s: %s" % (args.input, e))

    tensors = {}
    skipped = []
    for name, value in find_state_dict(checkpoint).items():
        if not isinstance(name, str) or not torch.is_tensor(value):
            fail("%s: entry %r is not a named tensor; is this a state dict?" % (args.input, name))
        if name.endswith(DERIVED_SUFFIXES):
            skipped.append(name)
            continue
        # Integer buffers (e.g. a BatchNorm counter) are not weights.
        if not value.is_floating_point():
            skipped.append(name)
            continue
        tensors[name] = tensor_bytes(torch, value, args.dtype)
    if not tensors:
        fail("%s holds no floating-point tensors" % args.input)
    v2 = any(n.endswith(".attn.logit_scale") for n in tensors)
    if not v2 and not any("relative_position_bias_table" in n for n in tensors):
        print("convert_pth.py: warning: no relative_position_bias_table; "
              "this does not look like a Swin Transformer", file=sys.stderr)
    if not v2 and (args.window or args.pretrained_window):
        fail("--window and --pretrained-window are for Swin V2 checkpoints; %s is Swin V1, "
             "whose bias tables give the window" % args.input)
    if v2 and not args.window and not any(n.endswith("relative_coords_table") for n in tensors):
        fail("%s is a Swin V2 checkpoint without relative_coords_table (timm's): give its window "
             "with --window (8 for swinv2_*_window8_256)" % args.input)

    metadata = {"format": "pt"}
    if args.img_size is not None:
        metadata["img_size"] = str(args.img_size)
    if args.window:
        metadata["window_size"] = args.window
    if args.pretrained_window:
        metadata["pretrained_window_size"] = args.pretrained_window
    tmp = args.output + ".tmp"
    try:
        safetensors_io.save(tmp, tensors, metadata)
        os.replace(tmp, args.output)
    except (OSError, safetensors_io.SafetensorsError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail("cannot write %s: %s" % (args.output, e))
    print("%s: Swin%s, %d tensors (%s), %d buffers dropped" %
          (args.output, " V2" if v2 else "", len(tensors), args.dtype, len(skipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/convert_pth.py on .pth files as each source saves them, Swin V2 and
V1: torchvision's state dict (its relative_coords_table kept), the original
repository's (wrapped in "model", q_bias and v_bias), timm's (no
relative_coords_table: refused without --window, converted with it), and a
V1 checkpoint given --window (refused).  Every converted file is classified
by `swin run --backend cpu` and its logits compared with torchvision's.

usage: test_convert_pth.py   (SWIN_CLI: the swin tool)
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy  # noqa: E402
import torch  # noqa: E402

import gen_torchvision as gt  # noqa: E402

CONVERT = os.path.join(HERE, os.pardir, "tools", "convert_pth.py")
SIZE = 128   # window 4 fits every stage's map: the sources' window rules agree


def convert(pth, out, *options):
    return subprocess.run([sys.executable, CONVERT, pth, out] + list(options),
                          capture_output=True, text=True)


def check_logits(tmp, model_file, x, want, what):
    """Classifies x with model_file on the CPU backend; fails unless the
    logits are within the bound of the model tests of want."""
    x_path = os.path.join(tmp, "x.f32")
    out = os.path.join(tmp, "logits.f32")
    x.numpy().astype("<f4").tofile(x_path)
    run = subprocess.run([os.environ["SWIN_CLI"], "run", "-m", model_file, "-i", x_path,
                          "-s", "%dx%d" % (SIZE, SIZE), "--backend", "cpu", "-o", out],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("%s: swin run failed: %s" % (what, run.stderr))
    got = torch.from_numpy(numpy.fromfile(out, dtype="<f4")).view(want.shape)
    delta = float((got - want).abs().max())
    bound = 1e-4 * max(1.0, float(want.abs().max()))
    if not delta <= bound:
        sys.exit("%s: logits differ from torchvision's by %g (bound %g)" % (what, delta, bound))
    print("%s: logits within %.2g of torchvision's" % (what, delta))


def expect_refusal(result, text, what):
    if result.returncode == 0 or text not in result.stderr:
        sys.exit("%s: expected a refusal naming %r, got exit %d: %s" %
                 (what, text, result.returncode, result.stderr))
    print("%s: refused (%s)" % (what, result.stderr.strip()))


def main():
    torch.set_grad_enabled(False)
    torch.manual_seed(5)
    model, _ = gt.small_model(4, 10, SIZE, v2=True)
    x = gt.random_images((1, 3, SIZE, SIZE), torch.Generator().manual_seed(6))
    want = model(x)

    with tempfile.TemporaryDirectory() as tmp:
        pth = os.path.join(tmp, "in.pth")
        out = os.path.join(tmp, "out.safetensors")

        torch.save(model.state_dict(), pth)
        result = convert(pth, out, "--img-size", str(SIZE))
        if result.returncode != 0 or "Swin V2" not in result.stdout:
            sys.exit("torchvision V2: conversion failed: %s%s" % (result.stdout, result.stderr))
        check_logits(tmp, out, x, want, "torchvision V2")

        torch.save({"model": gt.layout_state(model, "original", SIZE), "epoch": 300}, pth)
        result = convert(pth, out, "--dtype", "f32")
        if result.returncode != 0:
            sys.exit("original V2: conversion failed: %s" % result.stderr)
        check_logits(tmp, out, x, want, "original V2")

        torch.save(gt.layout_state(model, "timm", SIZE), pth)
        expect_refusal(convert(pth, out), "--window", "timm V2 without --window")
        expect_refusal(convert(pth, out, "--window", "0"), "must be positive", "timm V2 --window 0")
        result = convert(pth, out, "--window", "4", "--img-size", str(SIZE))
        if result.returncode != 0:
            sys.exit("timm V2: conversion failed: %s" % result.stderr)
        check_logits(tmp, out, x, want, "timm V2 --window 4")

        v1, _ = gt.small_model(4, 10, SIZE)
        torch.save(v1.state_dict(), pth)
        expect_refusal(convert(pth, out, "--window", "4"), "for Swin V2", "V1 with --window")
    return 0


if __name__ == "__main__":
    sys.exit(main())

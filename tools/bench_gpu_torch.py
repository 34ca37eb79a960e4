#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyTorch side of tools/bench_gpu.sh: torchvision's Swin-T, timed.

  bench_gpu_torch.py MODEL.safetensors --batch B [--iters K] [--warmup K]
                     [--size S] [--device cuda|cpu]

loads MODEL (a `swin init --arch swin_t` checkpoint, torchvision key layout)
into torchvision's swin_t, so that both sides run the same weights, and times
eager forwards in two modes: fp32 (TF32 off) and fp16 autocast (CUDA only).
Prints what it runs on, then one JSON line per mode.  Exits 3 when torch,
torchvision or the CUDA device is missing, so that the caller can go on
without it.
"""
import argparse
import json
import os
import statistics
import sys
import time

MISSING = 3


def load_torch(device):
    try:
        import torch
        import torchvision
    except ImportError as e:
        print("pytorch: not usable with %s (%s)" % (sys.executable, e), flush=True)
        sys.exit(MISSING)
    if device == "cuda" and not torch.cuda.is_available():
        print("pytorch: torch %s sees no CUDA device" % torch.__version__, flush=True)
        sys.exit(MISSING)
    print("pytorch: Python %s, torch %s (CUDA %s), torchvision %s, device %s" % (
        sys.version.split()[0], torch.__version__, torch.version.cuda, torchvision.__version__,
        torch.cuda.get_device_name(0) if device == "cuda" else "cpu"), flush=True)
    return torch, torchvision


def load_model(torch, torchvision, path, device):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import safetensors_io

    model = torchvision.models.swin_t(weights=None)
    tensors, _ = safetensors_io.load(path)
    state = {k: torch.from_numpy(safetensors_io.to_numpy(v).copy()) for k, v in tensors.items()}
    result = model.load_state_dict(state, strict=False)
    # the checkpoint leaves out only the buffers torchvision derives from the
    # window size; anything else missing means different weights
    missing = [k for k in result.missing_keys if not k.endswith("relative_position_index")]
    if missing or result.unexpected_keys:
        sys.exit("pytorch: %s does not fit torchvision's swin_t: missing %s, unexpected %s" % (
            path, missing[:5], result.unexpected_keys[:5]))
    return model.eval().to(device)


def time_forward(torch, model, x, iters, warmup, autocast):
    """Median and minimum ms of one forward (CUDA events on a GPU)."""
    cuda = x.device.type == "cuda"
    times = []
    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16, enabled=autocast):
        for i in range(warmup + iters):
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(x)
                end.record()
                end.synchronize()
                ms = start.elapsed_time(end)
            else:
                t0 = time.perf_counter()
                model(x)
                ms = (time.perf_counter() - t0) * 1e3
            if i >= warmup:
                times.append(ms)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    args = ap.parse_args()

    torch, torchvision = load_torch(args.device)
    model = load_model(torch, torchvision, args.model, args.device)
    x = torch.randn(args.batch, 3, args.size, args.size, device=args.device)
    # TF32 off: "fp32" is what swin's fp32 computes
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for mode in ("fp32", "fp16-autocast") if args.device == "cuda" else ("fp32",):
        med, low = time_forward(torch, model, x, args.iters, args.warmup, mode == "fp16-autocast")
        print(json.dumps({"system": "pytorch", "precision": mode, "batch": args.batch,
                          "median_ms": round(med, 4), "min_ms": round(low, 4),
                          "images_per_s": round(args.batch * 1000.0 / med, 2),
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()

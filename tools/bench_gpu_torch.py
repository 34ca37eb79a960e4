#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyTorch side of tools/bench_gpu.sh: torchvision's Swin-T on a CUDA GPU.

  bench_gpu_torch.py export MODEL.safetensors INPUT.f32 LOGITS.f32 [--seed S]
      one seeded random torchvision swin_t, saved in the torchvision key layout
      (what `swin bench` / `swin run` read), a random [1, 3, 224, 224] input
      and PyTorch's fp32 logits for it (to check that both compute the same
      function before comparing their speed)
  bench_gpu_torch.py bench MODEL.safetensors --batch B [--iters K] [--warmup K]
      eager forwards timed with CUDA events in three modes: fp32 (TF32 off),
      TF32 allowed, fp16 autocast; one JSON line per mode

It says what it finds (Python, torch, torchvision, CUDA device) and exits 3
when any of it is missing, so that the caller can go on without it.
--device cpu runs the same steps on the CPU (fp32 only), to try the script
on a machine without a GPU.
"""
import argparse
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = 3


def load_torch(device):
    try:
        import torch
        import torchvision
        from torchvision.models import swin_transformer
    except ImportError as e:
        print("pytorch: not usable here (%s)" % e, flush=True)
        sys.exit(MISSING)
    if device == "cuda" and not torch.cuda.is_available():
        print("pytorch: torch %s has no CUDA device" % torch.__version__, flush=True)
        sys.exit(MISSING)
    print("pytorch: Python %s, torch %s (CUDA %s, cuDNN %s), torchvision %s, device %s" % (
        sys.version.split()[0], torch.__version__, torch.version.cuda, torch.backends.cudnn.version(),
        torchvision.__version__, torch.cuda.get_device_name(0) if device == "cuda" else "cpu"), flush=True)
    return torch, swin_transformer


def load_model(torch, swin_transformer, path, device):
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import safetensors_io

    model = swin_transformer.swin_t(weights=None)
    tensors, _ = safetensors_io.load(path)
    # the file lacks only the buffers derived from the window size
    model.load_state_dict({k: torch.from_numpy(safetensors_io.to_numpy(v).copy()) for k, v in tensors.items()},
                          strict=False)
    return model.eval().to(device)


def export(args):
    torch, swin_transformer = load_torch(args.device)
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import numpy as np
    import safetensors_io

    torch.manual_seed(args.seed)
    model = swin_transformer.swin_t(weights=None).eval()
    # torchvision initialises the head and LayerNorms to constants: perturb
    # every parameter so that the logits depend on all of them
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    tensors = {k: safetensors_io.from_numpy(v.detach().contiguous().numpy())
               for k, v in model.state_dict().items()
               if v.is_floating_point() and not k.endswith(("relative_position_index", "attn_mask"))}
    safetensors_io.save(args.model, tensors, {"format": "pt"})
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(args.seed + 1))
    x.numpy().astype("<f4").tofile(args.input)
    with torch.no_grad():
        logits = model.to(args.device)(x.to(args.device)).float().cpu()
    logits.numpy().astype("<f4").tofile(args.logits)
    print("pytorch: wrote %s, %s and %s (max |logit| %.3f)" % (args.model, args.input, args.logits,
                                                               float(np.abs(logits.numpy()).max())))


def time_forward(torch, model, x, iters, warmup, autocast):
    """Median and minimum ms of a forward (CUDA events on a GPU)."""
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


def bench(args):
    torch, swin_transformer = load_torch(args.device)
    model = load_model(torch, swin_transformer, args.model, args.device)
    x = torch.randn(args.batch, 3, 224, 224, device=args.device)
    for mode in ("fp32", "tf32", "fp16-autocast") if args.device == "cuda" else ("fp32",):
        torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
        torch.backends.cudnn.allow_tf32 = mode == "tf32"
        med, low = time_forward(torch, model, x, args.iters, args.warmup, mode == "fp16-autocast")
        print(json.dumps({"system": "pytorch", "mode": mode, "batch": args.batch, "median_ms": round(med, 4),
                          "min_ms": round(low, 4), "images_per_s": round(args.batch * 1000.0 / med, 2),
                          "torch": torch.__version__}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("model")
    e.add_argument("input")
    e.add_argument("logits")
    e.add_argument("--seed", type=int, default=1234)
    b = sub.add_parser("bench")
    b.add_argument("model")
    b.add_argument("--batch", type=int, default=1)
    b.add_argument("--iters", type=int, default=50)
    b.add_argument("--warmup", type=int, default=10)
    for p in (e, b):
        p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    args = ap.parse_args()
    export(args) if args.cmd == "export" else bench(args)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Side-by-side speed of Swin-T: PyTorch + OpenBLAS, ONNX Runtime, swin bench.

Usage: /usr/bin/python3 tools/bench_side_by_side.py [--threads N] [--rounds R]
           [--iters K] [--warmup K] [--batch B] [--swin PATH] [--device D]
           [--workdir DIR] [--seed S] [--idle-threads sleep|default]

Benchmark tooling only (tools/bench_setup.sh installs what it needs); nothing
in the product depends on torch, ONNX or node.

One torchvision swin_t with seeded random weights is saved as safetensors
(for swin) and ONNX opset 14 (for ONNX Runtime). All three systems first run
the same random input and must agree on the logits. Then R rounds each time
all three, in an order that rotates every round so that none always runs
right after another: PyTorch in this process, ONNX Runtime in a node process
(tools/bench_ort.mjs), `swin bench` in a subprocess, each with a warm-up and
then K timed forwards, all with N threads (torch.set_num_threads,
intraOpNumThreads, LP_NUM_THREADS). The machine may be shared, so absolute
times drift: the ratios measured side by side are the figures to compare.

Idle worker threads: lavapipe's sleep on a condition variable; by default
(--idle-threads sleep) PyTorch's OpenMP threads (OMP_WAIT_POLICY=PASSIVE) and
ONNX Runtime's (allow_spinning 0) sleep too. Spinning threads compete with
the working ones for the cores of a busy machine: on this 2-core machine
under load, torch with 2 spinning OpenMP threads ran ~5x slower than with
sleeping ones. --idle-threads default leaves each library's own policy.

Pooling: a system's median is the median of its R per-round medians (swin
bench reports each round's median, not its samples); its min is the lowest
single forward of all rounds.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Debian 12's Mesa names the ICD after the CPU, Debian 13's does not.
LAVAPIPE_ICD = next((p for p in ("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
                                 "/usr/share/vulkan/icd.d/lvp_icd.json") if os.path.exists(p)),
                    "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json")
# Agreement: max |diff| must stay below this times max(1, max |reference|).
REL_TOL = 1e-3
# Reference BLAS manages ~1-2 GFLOP/s here, OpenBLAS tens to a hundred.
MIN_SGEMM_GFLOPS = 5.0
# No subprocess should take anywhere near this; it only stops a hang.
SUBPROCESS_TIMEOUT_S = 3600


class BenchError(Exception):
    pass


def parse_args():
    p = argparse.ArgumentParser(description="Swin-T: PyTorch vs ONNX Runtime vs swin bench, alternating.")
    p.add_argument("--threads", type=int, default=2, help="threads for every system (default 2)")
    p.add_argument("--rounds", type=int, default=6, help="rounds of all three systems (default 6)")
    p.add_argument("--iters", type=int, default=10, help="timed forwards per round per system (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed forwards before each round's (default 3)")
    p.add_argument("--batch", type=int, default=1, help="images per forward (default 1)")
    p.add_argument("--swin", default=os.path.join(REPO, "build", "tools", "swin"),
                   help="swin CLI (default build/tools/swin)")
    p.add_argument("--device", help="Vulkan device for swin (default: lavapipe, via VK_DRIVER_FILES, "
                                    "unless VK_DRIVER_FILES is already set)")
    p.add_argument("--workdir", default=os.path.join(REPO, ".bench"),
                   help="where models, input and logits are written (default .bench/)")
    p.add_argument("--seed", type=int, default=1234, help="seed of the weights and input (default 1234)")
    p.add_argument("--idle-threads", choices=("sleep", "default"), default="sleep",
                   help="sleep: idle PyTorch/ORT workers sleep like lavapipe's (default); "
                        "default: each library's own policy")
    args = p.parse_args()
    for name in ("threads", "rounds", "iters", "batch"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name)
    if args.warmup < 0:
        p.error("--warmup must be at least 0")
    return args


def run_checked(cmd, env=None, what=None):
    """Runs cmd; returns its stdout, or raises BenchError with its stderr."""
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=SUBPROCESS_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError("%s: %s" % (what or cmd[0], e))
    if r.returncode != 0:
        raise BenchError("%s failed (exit %d): %s" % (what or " ".join(cmd), r.returncode,
                                                      r.stderr.strip()[-2000:]))
    return r.stdout


def last_json_line(text, what):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError as e:
                raise BenchError("%s printed bad JSON (%s): %s" % (what, e, line))
    raise BenchError("%s printed no JSON line:\n%s" % (what, text[-2000:]))


def check_openblas(torch):
    """Makes sure torch's matrix products run on OpenBLAS, not reference BLAS."""
    a = torch.randn(512, 512)
    b = torch.randn(512, 512)
    torch.mm(a, b)  # loads the BLAS library if it is loaded lazily
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1].lower()})
    openblas = [lib for lib in libs if "openblas" in lib]
    if not openblas:
        raise BenchError("torch is not using OpenBLAS (BLAS libraries mapped: %s); the reference BLAS "
                         "is ~30x slower and no fair baseline: run tools/bench_setup.sh "
                         "(libopenblas0-openmp)" % (", ".join(libs) or "none"))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    gflops = 2 * 512 ** 3 / best / 1e9
    if gflops < MIN_SGEMM_GFLOPS:
        raise BenchError("torch sgemm runs at %.1f GFLOP/s although %s is mapped: a reference BLAS "
                         "speed; check update-alternatives --display libblas.so.3-x86_64-linux-gnu"
                         % (gflops, openblas[0]))
    return openblas[0], gflops


def reinit(torch, nn, swin_transformer, model):
    """Seeded random weights in which every parameter matters, with O(1) activations."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0.0, fan_in ** -0.5)
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.05)
            elif isinstance(m, nn.LayerNorm):
                m.weight.normal_(1.0, 0.1)
                m.bias.normal_(0.0, 0.05)
            elif isinstance(m, swin_transformer.ShiftedWindowAttention):
                m.relative_position_bias_table.normal_(0.0, 0.5)


def save_safetensors(torch, safetensors_io, model, path):
    tensors = {}
    for name, value in model.state_dict().items():
        # Derived buffers: the swin loader computes them from the window size.
        if name.endswith(("relative_position_index", "attn_mask")) or not value.is_floating_point():
            continue
        tensors[name] = safetensors_io.from_numpy(value.detach().contiguous().numpy())
    tmp = path + ".tmp"
    safetensors_io.save(tmp, tensors, {"format": "pt"})
    os.replace(tmp, path)


def compare(name, logits, ref):
    import numpy as np
    if logits.shape != ref.shape:
        raise BenchError("%s logits have shape %s, PyTorch's %s" % (name, logits.shape, ref.shape))
    diff = float(np.abs(logits - ref).max())
    limit = REL_TOL * max(1.0, float(np.abs(ref).max()))
    top1 = int((logits.argmax(1) == ref.argmax(1)).sum())
    print("  %-14s max |diff| vs PyTorch %.3g (limit %.3g), top-1 equal %d/%d"
          % (name, diff, limit, top1, ref.shape[0]))
    if not diff <= limit:  # also catches NaN
        raise BenchError("%s disagrees with PyTorch: max |diff| %.4g > %.4g" % (name, diff, limit))


class Bench:
    """The three systems; each run_* returns (this round's median ms, its min ms, a label)."""

    def __init__(self, args, torch, model, x, paths):
        self.args = args
        self.torch = torch
        self.model = model
        self.x = x
        self.paths = paths
        self.shape = ",".join(str(d) for d in x.shape)
        self.swin_env = dict(os.environ, LP_NUM_THREADS=str(args.threads))
        # lavapipe unless a device is named or the caller chose a driver
        # (tools/with_mesa25.sh sets VK_DRIVER_FILES to Mesa 25's lavapipe)
        if args.device is None and "VK_DRIVER_FILES" not in os.environ:
            self.swin_env["VK_DRIVER_FILES"] = LAVAPIPE_ICD
        self.swin_device_args = ["--device", args.device] if args.device is not None else []

    def ort_cmd(self, iters, warmup, dump=None):
        cmd = ["node", os.path.join(REPO, "tools", "bench_ort.mjs"), "--model", self.paths["onnx"],
               "--input", self.paths["input"], "--shape", self.shape, "--threads", str(self.args.threads),
               "--iters", str(iters), "--warmup", str(warmup),
               "--spin", "0" if self.args.idle_threads == "sleep" else "1"]
        return cmd + (["--dump", dump] if dump else [])

    def run_torch(self):
        times = []
        with self.torch.no_grad():
            for i in range(self.args.warmup + self.args.iters):
                t0 = time.perf_counter()
                self.model(self.x)
                if i >= self.args.warmup:
                    times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times), min(times), "torch %s" % self.torch.__version__

    def run_ort(self):
        r = last_json_line(run_checked(self.ort_cmd(self.args.iters, self.args.warmup), what="bench_ort.mjs"),
                           "bench_ort.mjs")
        return r["median_ms"], r["min_ms"], "onnxruntime-node %s" % r["ort_version"]

    def run_swin(self):
        cmd = [self.args.swin, "bench", "--model", self.paths["safetensors"], "--batch", str(self.args.batch),
               "--iters", str(self.args.iters), "--warmup", str(self.args.warmup), "--json"]
        out = run_checked(cmd + self.swin_device_args, env=self.swin_env, what="swin bench")
        r = last_json_line(out, "swin bench")
        self.swin_last_output = "\n".join(line for line in out.splitlines() if not line.startswith("{"))
        return r["median_ms"], r["min_ms"], r["device"]


def prepare(args):
    """Builds the model and files, checks agreement; returns a Bench."""
    # Both are read when torch loads libgomp, so they must be set before.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.idle_threads == "sleep":
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        import numpy as np
        import torch
        from torch import nn
        from torchvision.models import swin_transformer
        sys.path.insert(0, os.path.join(REPO, "tools"))
        import safetensors_io
    except ImportError as e:
        raise BenchError("%s lacks torch, torchvision or numpy (%s): run it with /usr/bin/python3 "
                         "after tools/bench_setup.sh" % (sys.executable, e))
    if not os.access(args.swin, os.X_OK):
        raise BenchError("%s is not an executable; build it (meson compile -C build) or pass --swin"
                         % args.swin)
    torch.set_num_threads(args.threads)
    blas, gflops = check_openblas(torch)
    print("PyTorch %s, BLAS %s (512^3 sgemm %.0f GFLOP/s), %d threads, idle threads: %s"
          % (torch.__version__, blas, gflops, torch.get_num_threads(), args.idle_threads))

    os.makedirs(args.workdir, exist_ok=True)
    paths = {
        "safetensors": os.path.join(args.workdir, "swin_t_seed%d.safetensors" % args.seed),
        "onnx": os.path.join(args.workdir, "swin_t_seed%d_b%d.onnx" % (args.seed, args.batch)),
        "input": os.path.join(args.workdir, "input_seed%d_b%d.f32" % (args.seed, args.batch)),
        "ort_logits": os.path.join(args.workdir, "logits_ort_b%d.f32" % args.batch),
        "swin_logits": os.path.join(args.workdir, "logits_swin_b%d.f32" % args.batch),
    }

    torch.manual_seed(args.seed)
    model = swin_transformer.swin_t(weights=None)
    reinit(torch, nn, swin_transformer, model)
    model.eval()
    x = torch.randn(args.batch, 3, 224, 224)
    x.numpy().astype("<f4").tofile(paths["input"])
    t0 = time.perf_counter()
    save_safetensors(torch, safetensors_io, model, paths["safetensors"])
    # torch.onnx.export needs the onnx package to check the graph.
    if importlib.util.find_spec("onnx") is None:
        raise BenchError("the onnx Python package is missing: run tools/bench_setup.sh (python3-onnx)")
    # torch 1.13's exporter warns about swin_t's p=0 dropouts and a missing
    # shape inference; harmless, and the agreement check below would catch
    # a wrong graph.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, x, paths["onnx"], opset_version=14, input_names=["input"],
                          output_names=["logits"])
    print("wrote %s and %s in %.1f s" % (paths["safetensors"], paths["onnx"], time.perf_counter() - t0))

    bench = Bench(args, torch, model, x, paths)
    print("agreement on one batch of %d (seed %d):" % (args.batch, args.seed))
    with torch.no_grad():
        ref = model(x).numpy()
    print("  %-14s max |logit| %.3f" % ("PyTorch", float(np.abs(ref).max())))
    run_checked(bench.ort_cmd(1, 0, dump=paths["ort_logits"]), what="bench_ort.mjs --dump")
    compare("ONNX Runtime", np.fromfile(paths["ort_logits"], dtype="<f4").reshape(ref.shape), ref)
    run_checked([args.swin, "run", "--model", paths["safetensors"], "--input", paths["input"],
                 "--batch", str(args.batch), "--output", paths["swin_logits"], "--backend", "vulkan"]
                + bench.swin_device_args, env=bench.swin_env, what="swin run")
    compare("swin (Vulkan)", np.fromfile(paths["swin_logits"], dtype="<f4").reshape(ref.shape), ref)
    return bench


def main():
    args = parse_args()
    bench = prepare(args)
    systems = [("PyTorch+OpenBLAS", bench.run_torch), ("ONNX Runtime", bench.run_ort),
               ("swin bench", bench.run_swin)]
    results = {name: {"medians": [], "mins": [], "label": ""} for name, _ in systems}
    print("\n%d rounds x %d timed forwards (after %d warm-up) per system, batch %d, %d threads"
          % (args.rounds, args.iters, args.warmup, args.batch, args.threads))
    for r in range(args.rounds):
        # Rotate the order so that no system always follows the same one.
        order = systems[r % 3:] + systems[:r % 3]
        line = []
        for name, fn in order:
            med, lo, label = fn()
            results[name]["medians"].append(med)
            results[name]["mins"].append(lo)
            results[name]["label"] = label
            line.append("%s %.1f" % (name, med))
        print("  round %d: %s ms" % (r + 1, ", ".join(line)))

    pooled = {n: statistics.median(v["medians"]) for n, v in results.items()}
    ref_torch, ref_ort = pooled["PyTorch+OpenBLAS"], pooled["ONNX Runtime"]
    print("\nmedian of the %d per-round medians; min over all forwards; xA = median / A's median "
          "(> 1: slower than A)" % args.rounds)
    print("%-17s %10s %9s %19s %10s %8s %9s  %s" % ("system", "median ms", "min ms", "round medians",
                                                      "x PyTorch", "x ORT", "images/s", "version/device"))
    for name, _ in systems:
        v = results[name]
        print("%-17s %10.1f %9.1f %19s %10.2f %8.2f %9.2f  %s"
              % (name, pooled[name], min(v["mins"]),
                 "%.1f-%.1f" % (min(v["medians"]), max(v["medians"])),
                 pooled[name] / ref_torch, pooled[name] / ref_ort,
                 args.batch * 1000.0 / pooled[name], v["label"]))
    print("\nswin bench output of the last round:\n" + bench.swin_last_output)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench_side_by_side.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)

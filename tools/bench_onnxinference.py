#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""swinclassify against GStreamer's own onnxinference (ONNX Runtime), in pipelines.

Usage: /usr/bin/python3 tools/bench_onnxinference.py [--build DIR] [--frames N]
           [--rounds R] [--threads T] [--workdir DIR] [--seed S]

Needs GStreamer 1.26 with gst-plugins-bad's onnx plugin (Debian 13:
gstreamer1.0-plugins-bad, gir1.2-gst-plugins-bad-1.0, python3-torch,
python3-torchvision, python3-onnx), e.g. inside the Debian 13 root of
.ci/debian13, and this tree built there (--build, default build-ci-debian13).

One torchvision swin_t with seeded random weights is saved as safetensors
(for swinclassify) and as ONNX (for onnxinference), the ONNX graph taking
the frame's 0..255 RGB values planar and normalising them with ImageNet's
mean and std, as swinclassify does.  Both elements then classify the same
224x224 frames of scikit-image's photographs, decoded, converted and frozen
by GStreamer's own elements:

  filesrc ! decodebin ! videoconvert ! videoscale ! RGB 224x224 ! imagefreeze
      ! (swinclassify | onnxinference) ! fakesink sync=false

and must agree on the top-1 of every photograph.  Frames per second through
the pipeline, after a warm-up, R rounds alternating the two elements, each
with T threads (LP_NUM_THREADS for lavapipe; ONNX Runtime takes one thread a
core, and the process is pinned to T cores).  Prints a Markdown table.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"
PHOTO_NAMES = ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
               "rocket.jpg", "hubble_deep_field.jpg")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
WARMUP = 3
TENSOR_ID = "swin-t-logits"


class BenchError(Exception):
    pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(REPO, "build-ci-debian13"))
    p.add_argument("--frames", type=int, default=20, help="frames per timed run")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workdir", default=os.path.join(REPO, ".bench", "onnxinference"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def make_models(args):
    """The safetensors and ONNX files of one seeded swin_t."""
    import torch
    from torch import nn
    from torchvision.models import swin_transformer
    import onnx
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import bench_side_by_side
    import safetensors_io

    os.makedirs(args.workdir, exist_ok=True)
    st = os.path.join(args.workdir, "swin_t_seed%d.safetensors" % args.seed)
    ox = os.path.join(args.workdir, "swin_t_seed%d_pixels.onnx" % args.seed)
    torch.manual_seed(args.seed)
    model = swin_transformer.swin_t(weights=None)
    bench_side_by_side.reinit(torch, nn, swin_transformer, model)
    model.eval()
    bench_side_by_side.save_safetensors(torch, safetensors_io, model, st)

    class FromPixels(nn.Module):
        """What swinclassify does to a 224x224 RGB frame, then the model."""

        def __init__(self, net):
            super().__init__()
            self.net = net
            self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 255.0)
            self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 255.0)

        def forward(self, x):
            return self.net((x - self.mean) / self.std)

    with torch.no_grad():
        torch.onnx.export(FromPixels(model).eval(), torch.zeros(1, 3, 224, 224), ox,
                          opset_version=17, input_names=["input"], output_names=["logits"])
    # onnxinference names each output tensor from the graph's metadata and
    # refuses a graph without it.
    graph = onnx.load(ox)
    entry = graph.metadata_props.add()
    entry.key, entry.value = "logits", TENSOR_ID
    onnx.save(graph, ox)
    return st, ox


def gst_setup(args):
    os.environ["GST_PLUGIN_PATH_1_0"] = os.path.join(args.build, "plugin")
    os.environ["LP_NUM_THREADS"] = str(args.threads)
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstAnalytics", "1.0")
    from gi.repository import Gst, GstAnalytics
    Gst.init(None)
    for name in ("swinclassify", "onnxinference", "imagefreeze"):
        if not Gst.ElementFactory.find(name):
            raise BenchError("GStreamer element %s is missing (see the usage above)" % name)
    return Gst, GstAnalytics


def top1_swin(Gst, buf):
    meta = buf.get_custom_meta("GstSwinClassifyMeta")
    if not meta:
        return None
    ok, ids = meta.get_structure().get_array("class-ids")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # PyGObject's GValueArray
        return ids.get_nth(0) if ok and ids.n_values else None


def top1_onnx(GstAnalytics, Gst, buf):
    import numpy as np
    from gi.repository import GLib
    meta = GstAnalytics.buffer_get_tensor_meta(buf)
    if not meta:
        return None
    for i in range(meta.num_tensors):
        tensor = meta.get(i)
        if tensor.id != GLib.quark_from_string(TENSOR_ID):
            continue
        ok, info = tensor.data.map(Gst.MapFlags.READ)
        if not ok:
            return None
        try:
            return int(np.argmax(np.frombuffer(info.data, dtype=np.float32)))
        finally:
            tensor.data.unmap(info)
    return None


def run_pipeline(Gst, GstAnalytics, element, photo, frames):
    """(frames per second after the warm-up, the top-1 of the first frame)."""
    desc = ("filesrc location=%s ! decodebin ! videoconvert ! videoscale ! "
            "video/x-raw,format=RGB,width=224,height=224 ! imagefreeze num-buffers=%d ! "
            "%s ! fakesink name=sink sync=false" % (photo, frames, element))
    pipeline = Gst.parse_launch(desc)
    times, top = [], []
    onnx = element.startswith("onnxinference")

    def probe(pad, info):
        buf = info.get_buffer()
        times.append(time.perf_counter())
        if len(top) == 0:
            top.append(top1_onnx(GstAnalytics, Gst, buf) if onnx else top1_swin(Gst, buf))
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(600 * Gst.SECOND,
                                                Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None or msg.type == Gst.MessageType.ERROR:
        raise BenchError("%s: %s" % (desc, msg.parse_error()[0].message if msg else "timed out"))
    if len(times) != frames or top[0] is None:
        raise BenchError("%s: %d of %d frames, top-1 %s" % (desc, len(times), frames, top[0]))
    return (frames - WARMUP) / (times[-1] - times[WARMUP - 1]), top[0]


def main():
    args = parse_args()
    if args.export:
        make_models(args)
        return
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:args.threads]))
    # In a process of its own: ONNX Runtime and the onnx package each
    # register ONNX's operator schemas, and complain at length in one process.
    subprocess.run([sys.executable, os.path.abspath(__file__), "--export", "--workdir", args.workdir,
                    "--seed", str(args.seed)], check=True)
    st = os.path.join(args.workdir, "swin_t_seed%d.safetensors" % args.seed)
    ox = os.path.join(args.workdir, "swin_t_seed%d_pixels.onnx" % args.seed)
    Gst, GstAnalytics = gst_setup(args)
    elements = {
        "swinclassify (lavapipe)": "swinclassify model=%s top-k=1" % st,
        "onnxinference (ONNX Runtime, CPU)": "onnxinference model-file=%s input-image-format=chw "
                                             "optimization-level=enable-all" % ox,
    }
    print("top-1 of each photograph (%d frames each):" % args.frames)
    for name in PHOTO_NAMES:
        path = os.path.join(PHOTOS, name)
        tops = {e: run_pipeline(Gst, GstAnalytics, d, path, WARMUP + 2)[1]
                for e, d in elements.items()}
        print("  %-22s %s" % (name, "  ".join("%s %d" % (e.split()[0], t) for e, t in tops.items())))
        if len(set(tops.values())) != 1:
            raise BenchError("%s: the two elements disagree on the top-1: %s" % (name, tops))
    fps = {e: [] for e in elements}
    photo = os.path.join(PHOTOS, PHOTO_NAMES[0])
    for r in range(args.rounds):
        order = list(elements) if r % 2 == 0 else list(reversed(list(elements)))
        for e in order:
            fps[e].append(run_pipeline(Gst, GstAnalytics, elements[e], photo, args.frames)[0])
    print("\n| element | frames/s (median of %d) | min | max |" % args.rounds)
    print("|---|---|---|---|")
    for e, v in fps.items():
        print("| %s | %.2f | %.2f | %.2f |" % (e, statistics.median(v), min(v), max(v)))
    a, b = (statistics.median(v) for v in fps.values())
    print("\nswinclassify / onnxinference: %.2f of its frame rate, %d threads, same top-1 on all "
          "%d photographs" % (a / b, args.threads, len(PHOTO_NAMES)))


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench_onnxinference.py: %s" % e, file=sys.stderr)
        sys.exit(1)

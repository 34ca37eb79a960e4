#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Top-1 accuracy of swinclassify on Fashion-MNIST test images, as a video stream.

Usage: fashion_accuracy.py [--model M] [--count N] [--formats rgb,i420,nv12]
                           [--reference] [--check] [--set PROP=VALUE]...

The test images go through a real GStreamer pipeline, one frame each, from
appsrc to swinclassify (with the checkpoint's own preprocessing: no mean or
std is set, the element takes them from the checkpoint's metadata):

  rgb   32x32 RGB: the model's own geometry; the frame holds the image as the
        model was trained on it (bilinear 28 -> 32, 8 bits, grey in R, G, B).
  i420  42x28 I420 and
  nv12  42x28 NV12: the 28x28 image in the middle of a 3:2 frame (black bars
        of 7 pixels left and right), converted from RGB by videoconvert
        (BT.601, limited range); the element centre-crops the 28x28 picture
        and resizes it to 32x32 itself (scale-mode=center-crop keeps the
        picture's geometry).

Each frame's top-1 is read from the element's "swinclassify" bus message
(whose "frame" field says which frame it belongs to) and compared with the
true label. --reference also runs the checkpoint in PyTorch (torchvision),
twice: on the images preprocessed as in training (the accuracy the element
is held to), and on the very frames the element received (captured at its
sink pad; for YUV, videoconvert's luma turned back into grey with BT.601
limited range; then, like the element's center-crop, the whole frame resized
in float so that its short side is the input size and the middle cut out),
which separates the element's own errors from what the YUV detour does to
the pixels. --check then fails (exit 1) when an accuracy differs from PyTorch's
by more than the format's tolerance (0.1 points for RGB, 0.5 for the YUV
formats), when more than 0.1 % of the top-1s differ from PyTorch's on the
same frames, or when an accuracy is below --min-accuracy. Exits 77 when
PyGObject's GStreamer bindings (or, for --reference, torch) are missing.

The plugin is looked up in GST_PLUGIN_PATH (e.g. build/plugin).
"""

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import fashion_mnist  # noqa: E402

try:
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GLib, Gst, GstApp, GstVideo  # noqa: F401 (GstApp: appsrc methods)
except (ImportError, ValueError) as e:
    print("fashion_accuracy.py: PyGObject with GStreamer's typelibs is needed (Debian: "
          "python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0): %s" % e, file=sys.stderr)
    sys.exit(77)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
DEFAULT_MODEL = os.path.join(ROOT, "models", "fashion_mnist_swin.safetensors")
DEFAULT_LABELS = os.path.join(ROOT, "models", "fashion_mnist_labels.txt")
# Black bars that make a 28x28 picture a 42x28 (3:2) frame.
BAR = 7
# At most this fraction of the top-1s may differ from PyTorch run on the
# frames the element received (float rounding in near ties).
MAX_SAME_FRAME_DIFFER = 0.001

# name: (frame description, caps of the frame after conversion, tolerance in
# accuracy points against PyTorch)
FORMATS = {
    "rgb": ("32x32 RGB", "RGB", 0.1),
    "i420": ("42x28 I420", "I420", 0.5),
    "nv12": ("42x28 NV12", "NV12", 0.5),
}


class PipelineError(Exception):
    pass


def rgb_frames(fmt, images):
    """uint8 [N, h, w, 3] RGB frames for the test images in format fmt."""
    if fmt == "rgb":
        return fashion_mnist.to_rgb(fashion_mnist.resize(images))
    framed = np.pad(images, ((0, 0), (0, 0), (BAR, BAR)))
    return fashion_mnist.to_rgb(framed)


def element_description(model, props):
    text = 'swinclassify name=classify model="%s" scale-mode=center-crop top-k=1' % model
    if os.path.exists(DEFAULT_LABELS) and model == DEFAULT_MODEL:
        text += ' labels="%s"' % DEFAULT_LABELS
    return " ".join([text] + list(props))


def frame_as_grey(data, info):
    """A captured frame, bars included, as grey floats in [0, 1].

    RGB frames must be grey already; YUV ones must have neutral chroma, and
    their luma is expanded from BT.601 limited range as the element does."""
    h, w = info.height, info.width
    if info.finfo.n_planes == 1:
        rows = data[:h * info.stride[0]].reshape(h, info.stride[0])[:, :w * 3].reshape(h, w, 3)
        if not (rows == rows[:, :, :1]).all():
            raise PipelineError("an RGB frame that is not grey")
        return rows[:, :, 0].astype(np.float32) / 255.0
    if info.colorimetry.range != getattr(GstVideo.VideoColorRange, "16_235"):
        raise PipelineError("expected limited-range YUV, got %s" % info.colorimetry.to_string())
    ch = (h + 1) // 2
    planes = [data[info.offset[i]:info.offset[i] + ch * info.stride[i]].reshape(ch, info.stride[i])
              for i in range(1, info.finfo.n_planes)]
    chroma = [p[:, :(w + 1) // 2] for p in planes] if len(planes) == 2 else [planes[0][:, :w + w % 2]]
    if any((c != 128).any() for c in chroma):
        raise PipelineError("a YUV frame whose chroma is not neutral")
    luma = data[:h * info.stride[0]].reshape(h, info.stride[0])[:, :w]
    return np.clip((luma.astype(np.float32) - 16.0) / 219.0, 0.0, 1.0)


def run_element(fmt, images, model, props=(), capture=False):
    """swinclassify's top-1 class of each image, fed as frames of format fmt.

    Returns (top-1 [N], and with capture the frames the element received as
    float [N, h, w] grey frames, else None)."""
    frames = rgb_frames(fmt, images)
    n, h, w, _ = frames.shape
    convert = "" if fmt == "rgb" else "videoconvert ! video/x-raw,format=%s ! " % FORMATS[fmt][1]
    launch = ("appsrc name=src format=time block=true max-buffers=8 "
              "caps=video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1 ! %s%s ! "
              "fakesink sync=false" % (w, h, convert, element_description(model, props)))
    try:
        pipeline = Gst.parse_launch(launch)
    except GLib.Error as e:
        raise PipelineError("cannot build the pipeline (is the swin plugin in GST_PLUGIN_PATH?): "
                            "%s" % e.message)
    src = pipeline.get_by_name("src")
    bus = pipeline.get_bus()
    top1 = np.full(n, -1, np.int64)
    captured = []

    def on_frame(pad, info):
        # In the streaming thread, before swinclassify sees the buffer.
        vinfo = GstVideo.VideoInfo.new_from_caps(pad.get_current_caps())
        ok, mapping = info.get_buffer().map(Gst.MapFlags.READ)
        try:
            captured.append(frame_as_grey(np.frombuffer(mapping.data, np.uint8), vinfo))
        except Exception as e:  # raised in the main thread, after the run
            captured.append(e)
        finally:
            info.get_buffer().unmap(mapping)
        return Gst.PadProbeReturn.OK

    if capture:
        pipeline.get_by_name("classify").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, on_frame)
    wanted = Gst.MessageType.ELEMENT | Gst.MessageType.EOS | Gst.MessageType.ERROR

    def take(message):
        """Records a result; returns False at the end of the stream."""
        if message.type == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            raise PipelineError("%s (%s)" % (err.message, debug))
        if message.type == Gst.MessageType.EOS:
            return False
        s = message.get_structure()
        if s is None or s.get_name() != "swinclassify":
            return True
        ok, frame = s.get_uint64("frame")
        ok2, ids = s.get_array("class-ids")
        if not ok or not ok2 or ids.n_values < 1 or frame >= n or top1[frame] != -1:
            raise PipelineError("unexpected result message %s" % s.to_string())
        with warnings.catch_warnings():
            # GValueArray is deprecated, but without gst-python's overrides
            # it is how PyGObject reads a GstValueArray field.
            warnings.simplefilter("ignore", DeprecationWarning)
            top1[frame] = ids.get_nth(0)
        return True

    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            message = bus.timed_pop_filtered(Gst.SECOND, Gst.MessageType.ERROR)
            if message:
                take(message)
            raise PipelineError("the pipeline did not start")
        duration = Gst.SECOND // 30
        for i in range(n):
            buf = Gst.Buffer.new_wrapped(fashion_mnist.frame_bytes(frames[i]))
            buf.pts = i * duration
            buf.duration = duration
            if src.push_buffer(buf) != Gst.FlowReturn.OK:
                break  # the error is on the bus
            while True:
                message = bus.pop_filtered(wanted)
                if message is None:
                    break
                take(message)
        src.end_of_stream()
        while True:
            message = bus.timed_pop_filtered(120 * Gst.SECOND, wanted)
            if message is None:
                raise PipelineError("no end of stream after 120 s")
            if not take(message):
                break
    finally:
        pipeline.set_state(Gst.State.NULL)
    missing = np.flatnonzero(top1 < 0)
    if len(missing):
        raise PipelineError("%d frames without a result (first: %d)" % (len(missing), missing[0]))
    if not capture:
        return top1, None
    for c in captured:
        if isinstance(c, Exception):
            raise PipelineError("capturing a frame: %s" % c)
    if len(captured) != n:
        raise PipelineError("captured %d frames of %d" % (len(captured), n))
    return top1, np.stack(captured)


class Reference:
    """The checkpoint in PyTorch, with the normalisation its metadata gives."""

    def __init__(self, model_path):
        import torch
        import fashion_model
        self.torch, self.fashion_model = torch, fashion_model
        torch.set_num_threads(2)
        self.model, metadata = fashion_model.load(model_path)
        self.mean = float(metadata["mean"].split(",")[0])
        self.std = float(metadata["std"].split(",")[0])
        self.size = int(metadata["img_size"])

    def top1_trained(self, images):
        """Top-1 of uint8 28x28 images preprocessed as in training."""
        return self.fashion_model.predict(self.model, fashion_mnist.resize(images), self.mean,
                                          self.std).argmax(1)

    def top1_frames(self, frames):
        """Top-1 of float grey frames fitted as the element's center-crop
        does: the whole frame resized (bilinear, half-pixel centres: the
        element's filter when enlarging) so that its short side is the input
        size, then the middle cut out.  Cropping first would differ at the
        picture's edges, where the element's filter also reaches the pixels
        next to the cut (here the black bars)."""
        torch = self.torch
        h, w = frames.shape[1:]
        # Truncated like torchvision's Resize and the element.
        rh, rw = (self.size, w * self.size // h) if w >= h else (h * self.size // w, self.size)
        x = torch.from_numpy(frames)[:, None]
        if (rh, rw) != (h, w):
            x = torch.nn.functional.interpolate(x, size=(rh, rw), mode="bilinear",
                                                align_corners=False)
        # Rounded half to even, as torchvision's CenterCrop and the element do.
        top, left = round((rh - self.size) / 2), round((rw - self.size) / 2)
        x = x[:, :, top:top + self.size, left:left + self.size]
        x = ((x - self.mean) / self.std).expand(-1, 3, -1, -1)
        with torch.no_grad():
            return torch.cat([self.model(x[i:i + 500]) for i in range(0, len(x), 500)]).argmax(1).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--count", type=int, default=10000,
                        help="the first N test images (default: all 10,000)")
    parser.add_argument("--formats", default="rgb,i420,nv12")
    parser.add_argument("--reference", action="store_true",
                        help="also run the checkpoint in PyTorch and compare")
    parser.add_argument("--check", action="store_true",
                        help="fail unless within tolerance of PyTorch (implies --reference)")
    parser.add_argument("--min-accuracy", type=float, default=0.0)
    parser.add_argument("--set", action="append", default=[], metavar="PROP=VALUE",
                        help="an extra swinclassify property (e.g. device=1)")
    args = parser.parse_args()
    formats = args.formats.split(",")
    for fmt in formats:
        if fmt not in FORMATS:
            parser.error("unknown format %s (known: %s)" % (fmt, ", ".join(FORMATS)))
    if not 1 <= args.count <= 10000:
        parser.error("--count must be 1 to 10000")
    if not os.path.isfile(args.model):
        sys.exit("fashion_accuracy.py: no model at %s (tools/train_fashion.py)" % args.model)

    Gst.init(None)
    images, labels = fashion_mnist.load("test")
    images, labels = images[:args.count], labels[:args.count]
    reference = trained = None
    if args.reference or args.check:
        try:
            reference = Reference(args.model)
        except ImportError as e:
            print("fashion_accuracy.py: --reference needs torch and torchvision: %s" % e,
                  file=sys.stderr)
            sys.exit(77)
        trained = reference.top1_trained(images)
        print("PyTorch, preprocessed as in training: %d images, top-1 %.4f"
              % (len(images), (trained == labels).mean()), flush=True)

    failed = False
    for fmt in formats:
        start = time.time()
        try:
            top1, frames = run_element(fmt, images, args.model, args.set,
                                       capture=reference is not None)
        except PipelineError as e:
            sys.exit("fashion_accuracy.py: %s: %s" % (fmt, e))
        acc = float((top1 == labels).mean())
        print("swinclassify, %s: %d frames, top-1 %.4f (%.0f frames/s)" % (
            FORMATS[fmt][0], len(images), acc, len(images) / (time.time() - start)), flush=True)
        if reference is not None:
            delta = 100.0 * (acc - float((trained == labels).mean()))
            differ = np.flatnonzero(top1 != trained)
            same = np.flatnonzero(top1 != reference.top1_frames(frames))
            print("    vs PyTorch as trained: %+.2f points, %d top-1s differ%s" % (
                delta, len(differ), " (images %s)" % ", ".join(map(str, differ[:10]))
                if len(differ) else ""))
            print("    vs PyTorch on the frames the element received: %d top-1s differ%s" % (
                len(same), " (images %s)" % ", ".join(map(str, same[:10])) if len(same) else ""))
            if args.check and abs(delta) > FORMATS[fmt][2] + 1e-9:
                print("    FAIL: the accuracy differs from PyTorch's by more than %.1f points"
                      % FORMATS[fmt][2])
                failed = True
            if args.check and len(same) > MAX_SAME_FRAME_DIFFER * len(images):
                print("    FAIL: more than %.1f %% of the top-1s differ on the same frames"
                      % (100 * MAX_SAME_FRAME_DIFFER))
                failed = True
        if acc < args.min_accuracy:
            print("    FAIL: top-1 below %.4f" % args.min_accuracy)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

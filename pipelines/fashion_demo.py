#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fashion-MNIST demo: test images as a video stream through swinclassify.

Usage: fashion_demo.py [--frames N] [--first K] [--sheet PATH] [--model M]

Plays N test images (default 64, from image K) as 28x28 RGB frames through
swinclassify with the shipped model, which resizes them to its 32x32 input
and normalises them with the statistics stored in the checkpoint. Prints one
line per frame (true label, predicted label and score) and the accuracy at
the end. Each classified frame is then enlarged, labelled by textoverlay
(green when right; red with the true label when wrong) and collected into a
contact sheet of 8 columns written by pngenc to PATH (default
fashion_demo.png in the current directory).

The plugin is looked up in GST_PLUGIN_PATH (e.g. build/plugin).
"""

import argparse
import os
import sys
import warnings

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import numpy as np  # noqa: E402

import fashion_mnist  # noqa: E402
import safetensors_io  # noqa: E402

try:
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    from gi.repository import GLib, Gst, GstApp  # noqa: F401 (GstApp: appsrc methods)
except (ImportError, ValueError) as e:
    sys.exit("fashion_demo.py: PyGObject with GStreamer's typelibs is needed (Debian: "
             "python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0): %s" % e)

DEFAULT_MODEL = os.path.join(ROOT, "models", "fashion_mnist_swin.safetensors")
DEFAULT_LABELS = os.path.join(ROOT, "models", "fashion_mnist_labels.txt")
COLUMNS = 8
TILE = 112        # the 28x28 image enlarged 4x
CAPTION = 32      # bar under each tile for two lines of text
GAP = 6
HEADER = 36
RIGHT, WRONG = 0xFF50E050, 0xFFFF5050   # ARGB text colours


class DemoError(Exception):
    pass


def check_bus(pipeline):
    message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    if message:
        err, debug = message.parse_error()
        raise DemoError("%s (%s)" % (err.message, debug))


def read_structure_top1(s):
    ok1, ids = s.get_array("class-ids")
    ok2, labels = s.get_array("labels")
    ok3, scores = s.get_array("scores")
    if not (ok1 and ok2 and ok3) or ids.n_values < 1:
        return None
    with warnings.catch_warnings():
        # GValueArray is deprecated, but without gst-python's overrides it is
        # how PyGObject reads a GstValueArray field.
        warnings.simplefilter("ignore", DeprecationWarning)
        return ids.get_nth(0), labels.get_nth(0), scores.get_nth(0)


def classify(images, labels, names, model, labels_file):
    """Plays the images; returns (predicted ids, labelled tiles uint8 [N, h, w, 3])."""
    n = len(images)
    launch = (
        "appsrc name=src format=time caps=video/x-raw,format=RGB,width=28,height=28,"
        "framerate=10/1 ! swinclassify model=\"%s\" labels=\"%s\" top-k=1 post-messages=false ! "
        "videoscale method=bilinear ! video/x-raw,width=%d,height=%d ! "
        "videobox bottom=-%d fill=black ! "
        "textoverlay name=caption valignment=bottom halignment=center line-alignment=center "
        "font-desc=\"Sans Bold 8\" auto-resize=false ypad=3 xpad=0 draw-shadow=false ! "
        "videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false"
        % (model, labels_file, TILE, TILE, CAPTION))
    try:
        pipeline = Gst.parse_launch(launch)
    except GLib.Error as e:
        raise DemoError("cannot build the pipeline (is the swin plugin in GST_PLUGIN_PATH?): %s"
                        % e.message)
    caption = pipeline.get_by_name("caption")
    predicted = np.full(n, -1, np.int64)

    def on_frame(pad, info):
        # Runs in the streaming thread before textoverlay draws this very
        # buffer, so the caption set here is the one drawn on it.
        meta = info.get_buffer().get_custom_meta("GstSwinClassifyMeta")
        result = read_structure_top1(meta.get_structure()) if meta else None
        ok, frame = meta.get_structure().get_uint64("frame") if meta else (False, 0)
        if result is None or not ok or frame >= n:
            caption.set_property("text", "no result")
            return Gst.PadProbeReturn.OK
        class_id, label, score = result
        predicted[frame] = class_id
        right = class_id == labels[frame]
        caption.set_property("color", RIGHT if right else WRONG)
        caption.set_property("text", GLib.markup_escape_text(label) if right else
                             "✗ %s\ntrue: %s" % (GLib.markup_escape_text(label),
                                                 GLib.markup_escape_text(names[labels[frame]])))
        done = int((predicted[:frame + 1] == labels[:frame + 1]).sum())
        print("frame %3d  true: %-11s  predicted: %-11s %5.1f%%  %s  (running %d/%d)"
              % (frame, names[labels[frame]], label, 100.0 * score,
                 "right" if right else "WRONG", done, frame + 1), flush=True)
        return Gst.PadProbeReturn.OK

    caption.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, on_frame)
    src, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    tiles = []
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            check_bus(pipeline)
            raise DemoError("the pipeline did not start")
        for i, image in enumerate(fashion_mnist.to_rgb(images)):
            buf = Gst.Buffer.new_wrapped(fashion_mnist.frame_bytes(image))
            buf.pts = i * Gst.SECOND // 10
            buf.duration = Gst.SECOND // 10
            if src.push_buffer(buf) != Gst.FlowReturn.OK:
                break
        src.end_of_stream()
        for _ in range(n):
            sample = sink.try_pull_sample(60 * Gst.SECOND)
            if sample is None:
                break
            ok, mapping = sample.get_buffer().map(Gst.MapFlags.READ)
            h, w = TILE + CAPTION, TILE
            rows = np.frombuffer(mapping.data, np.uint8).reshape(h, -1)
            tiles.append(rows[:, :w * 3].reshape(h, w, 3).copy())
            sample.get_buffer().unmap(mapping)
        check_bus(pipeline)
    finally:
        pipeline.set_state(Gst.State.NULL)
    if len(tiles) != n or (predicted < 0).any():
        raise DemoError("%d of %d frames came back classified" % (int((predicted >= 0).sum()), n))
    return predicted, np.stack(tiles)


def write_sheet(path, tiles, wrong, title):
    """Lays the tiles out in COLUMNS columns (wrong ones framed in red) and writes a PNG."""
    n, th, tw, _ = tiles.shape
    rows = (n + COLUMNS - 1) // COLUMNS
    width = COLUMNS * (tw + GAP) + GAP
    height = HEADER + rows * (th + GAP) + GAP
    width += -width % 4   # RGB rows without padding
    sheet = np.full((height, width, 3), 40, np.uint8)
    for i in range(n):
        y = HEADER + (i // COLUMNS) * (th + GAP) + GAP
        x = (i % COLUMNS) * (tw + GAP) + GAP
        if wrong[i]:
            sheet[y - 3:y + th + 3, x - 3:x + tw + 3] = (255, 80, 80)
        sheet[y:y + th, x:x + tw] = tiles[i]
    launch = ("appsrc name=src format=time caps=video/x-raw,format=RGB,width=%d,height=%d,"
              "framerate=1/1 ! textoverlay valignment=top halignment=left ypad=8 xpad=%d "
              "font-desc=\"Sans Bold 13\" auto-resize=false draw-shadow=false name=title ! videoconvert ! "
              "pngenc ! filesink location=\"%s\"" % (width, height, GAP, path))
    pipeline = Gst.parse_launch(launch)
    pipeline.get_by_name("title").set_property("text", title)
    src = pipeline.get_by_name("src")
    try:
        pipeline.set_state(Gst.State.PLAYING)
        buf = Gst.Buffer.new_wrapped(sheet.tobytes())
        buf.pts, buf.duration = 0, Gst.SECOND
        src.push_buffer(buf)
        src.end_of_stream()
        message = pipeline.get_bus().timed_pop_filtered(
            30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if message is None or message.type == Gst.MessageType.ERROR:
            raise DemoError("cannot write %s: %s" % (
                path, message.parse_error()[0].message if message else "timeout"))
    finally:
        pipeline.set_state(Gst.State.NULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--sheet", default="fashion_demo.png")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--labels", default=DEFAULT_LABELS)
    args = parser.parse_args()
    if args.frames < 1 or args.first < 0 or args.first + args.frames > 10000:
        parser.error("the frames must lie within the 10,000 test images")
    for path in (args.model, args.labels):
        if not os.path.isfile(path):
            sys.exit("fashion_demo.py: %s not found" % path)

    Gst.init(None)
    with open(args.labels) as f:
        names = [line.strip() for line in f]
    images, labels = fashion_mnist.load("test")
    images = images[args.first:args.first + args.frames]
    labels = labels[args.first:args.first + args.frames]
    print("fashion_demo.py: model %s, Fashion-MNIST test images %d-%d"
          % (os.path.relpath(args.model), args.first, args.first + args.frames - 1), flush=True)
    try:
        predicted, tiles = classify(images, labels, names, args.model, args.labels)
    except DemoError as e:
        sys.exit("fashion_demo.py: %s" % e)
    right = int((predicted == labels).sum())
    _, metadata = safetensors_io.load(args.model)
    print("accuracy: %d/%d = %.3f (the checkpoint's PyTorch top-1 over all 10,000 test images: %s)"
          % (right, len(labels), right / len(labels), metadata.get("test_top1", "unknown")))
    try:
        write_sheet(args.sheet, tiles, predicted != labels,
                    "Fashion-MNIST test images %d-%d through swinclassify: %d/%d right"
                    % (args.first, args.first + args.frames - 1, right, len(labels)))
    except (DemoError, GLib.Error) as e:
        sys.exit("fashion_demo.py: %s" % e)
    print("contact sheet: %s" % os.path.abspath(args.sheet))


if __name__ == "__main__":
    main()

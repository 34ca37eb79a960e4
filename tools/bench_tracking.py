#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Objects across frames, measured (issue 19): a camera panning and zooming
# over scikit-image's photographs (the astronaut and twelve faces of its LFW
# subset), faces entering and leaving, through
#   facedetect ! swinclassify inference-region=roi-list object-class=face
# for several reclassify-interval / smoothing settings.  For each: Swin
# forwards (region classifications) and regions carrying a result per
# second of the 30 fps stream, whether every region of every frame carries
# a result, how many track ids each face got per appearance (the face is
# known from where the frame's window lies on the photograph), and label
# changes per track per 100 frames.  Wall times are of the whole pipeline
# (facedetect included) and of facedetect alone.
#
# Two models: the trained Fashion-MNIST Swin of models/ (a real classifier,
# but of clothes: it calls every face "Bag", so its labels never change),
# and one of the same architecture with random weights (torchvision's
# initialisation, seed 1), whose near-uniform scores make its top class
# flip as the faces move: the case smoothing is for.
#
# Usage: /usr/bin/python3 tools/bench_tracking.py [BUILD_DIR] [--frames N]
# Needs python3-gi, python3-skimage, gstreamer1.0-opencv and opencv-data.
import argparse
import math
import os
import sys
import tempfile
import time

import numpy as np
import skimage.data
import skimage.transform

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "pipelines"))

W, H, FPS = 480, 360, 30
CASCADES = "/usr/share/opencv4/haarcascades"


def canvas():
    """The photograph the camera pans over: the astronaut, the cameraman
    (facedetect does not find his face) and 12 LFW faces, 512 pixels high."""
    grey = np.stack([skimage.data.camera()] * 3, -1)
    grid = np.zeros((512, 384, 3), np.uint8)
    for i, face in enumerate(skimage.data.lfw_subset()[:12]):
        r, c = divmod(i, 3)
        tile = (skimage.transform.resize(face, (128, 128), order=1) * 255).astype(np.uint8)
        grid[r * 128:(r + 1) * 128, c * 128:(c + 1) * 128] = tile[..., None]
    return np.concatenate([skimage.data.astronaut(), grey, grid], 1)


def window(t, n, canvas_w):
    """Frame t's window on the canvas: x0, y0 and zoom (canvas pixels per
    frame pixel), panning left to right and back while zooming in and out."""
    zoom = 1.2 + 0.2 * math.sin(2 * math.pi * t / 150)
    span = canvas_w - W * 1.4
    x0 = span * (1 - math.cos(2 * math.pi * t / n)) / 2
    y0 = (512 - H * zoom) / 2
    return x0, y0, zoom


def write_frames(path, n):
    img = canvas()
    with open(path, "wb") as f:
        for t in range(n):
            x0, y0, z = window(t, n, img.shape[1])
            crop = img[int(y0):int(y0 + H * z), int(x0):int(x0 + W * z)]
            frame = skimage.transform.resize(crop, (H, W), order=1, preserve_range=True)
            f.write(frame.astype(np.uint8).tobytes())
    return img.shape[1]


def faces_on_canvas(Gst, path_png):
    """The faces facedetect finds on the whole canvas: (cx, cy) each."""
    from swin_regions import regions
    found = []
    pipe = Gst.parse_launch(
        f"filesrc location={path_png} ! pngdec ! videoconvert ! {facedetect()} ! "
        "appsink name=sink sync=false")
    sink = pipe.get_by_name("sink")
    pipe.set_state(Gst.State.PLAYING)
    sample = sink.emit("pull-sample")
    for _, _, x, y, w, h, _ in regions(sample.get_buffer()):
        found.append((x + w / 2, y + h / 2))
    pipe.set_state(Gst.State.NULL)
    return found


def facedetect():
    # Debian's opencv-data lacks facedetect's default nose, mouth and eye
    # cascades: point them at cascades it has.
    c = CASCADES
    return (f"facedetect display=false profile={c}/haarcascade_frontalface_default.xml "
            f"eyes-profile={c}/haarcascade_eye.xml nose-profile={c}/haarcascade_eye.xml "
            f"mouth-profile={c}/haarcascade_smile.xml")


def run(Gst, raw, n, classifier):
    """Runs the pipeline; per frame a list of (face center on the frame,
    result or None), and the wall time."""
    from swin_regions import regions
    pipe = Gst.parse_launch(
        f"filesrc location={raw} ! rawvideoparse width={W} height={H} format=rgb "
        f"framerate={FPS}/1 ! {facedetect()} ! {classifier} appsink name=sink sync=false")
    sink = pipe.get_by_name("sink")
    frames = []
    t0 = time.monotonic()
    pipe.set_state(Gst.State.PLAYING)
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        frame = []
        for _, _, x, y, w, h, results in regions(sample.get_buffer()):
            frame.append(((x + w / 2, y + h / 2), results.get("classification")))
        frames.append(frame)
    wall = time.monotonic() - t0
    msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg:
        sys.exit(f"bench_tracking: {msg.parse_error()[0].message}")
    if len(frames) != n:
        sys.exit(f"bench_tracking: {len(frames)} frames out of {n}")
    return frames, wall


def analyse(frames, n, canvas_w, faces):
    regions = with_result = computed = 0
    tracks = {}                # track id -> [(frame, label)]
    face_tracks = {}           # face -> {track ids}; per appearance below
    for t, frame in enumerate(frames):
        x0, y0, z = window(t, n, canvas_w)
        for (cx, cy), r in frame:
            regions += 1
            if r is None:
                continue
            with_result += 1
            ok, age = r.get_uint("age")
            computed += ok and age == 0
            ok, track = r.get_uint64("track-id")
            tracks.setdefault(track, []).append((t, r.get_string("label")))
            # which face of the photograph this is
            X, Y = x0 + cx * z, y0 + cy * z
            best = min(range(len(faces)), key=lambda i: math.dist(faces[i], (X, Y)))
            if math.dist(faces[best], (X, Y)) < 40:
                face_tracks.setdefault(best, []).append((t, track))
    # appearances: runs of a face's frames with gaps under 30 frames (the
    # default track-max-age)
    appearances = ids = 0
    for seen in face_tracks.values():
        last, run_ids = None, set()
        for t, track in seen:
            if last is None or t - last > 30:
                appearances += 1
                ids += len(run_ids)
                run_ids = set()
            run_ids.add(track)
            last = t
        ids += len(run_ids)
    changes = sum(sum(a[1] != b[1] for a, b in zip(seq, seq[1:])) for seq in tracks.values())
    track_frames = sum(len(seq) for seq in tracks.values())
    seconds = n / FPS
    return {
        "regions": regions, "with_result": with_result, "computed": computed,
        "forwards_s": computed / seconds, "results_s": with_result / seconds,
        "ids_per_appearance": ids / max(appearances, 1), "tracks": len(tracks),
        "changes_100": 100 * changes / max(track_frames, 1),
    }


def random_model(path):
    """The Fashion-MNIST architecture with random weights, seed 1."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import torch
    import fashion_model
    import safetensors_io
    _, metadata = safetensors_io.load(os.path.join(ROOT, "models", "fashion_mnist_swin.safetensors"))
    keep = ("patch_size", "embed_dim", "depths", "num_heads", "window_size", "img_size", "mean",
            "std")
    metadata = {k: metadata[k] for k in keep}
    torch.manual_seed(1)
    model = fashion_model.build(metadata)
    safetensors_io.save(path, fashion_model.checkpoint_tensors(model, "F32"), metadata)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args()
    os.environ["GST_PLUGIN_PATH"] = os.path.join(os.path.abspath(args.build), "plugin")
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    import skimage.io
    Gst.init(None)
    fashion = os.path.join(ROOT, "models", "fashion_mnist_swin.safetensors")
    labels = os.path.join(ROOT, "models", "fashion_mnist_labels.txt")
    with tempfile.TemporaryDirectory() as tmp:
        raw, png = os.path.join(tmp, "frames.rgb"), os.path.join(tmp, "canvas.png")
        random = os.path.join(tmp, "random.safetensors")
        random_model(random)
        canvas_w = write_frames(raw, args.frames)
        skimage.io.imsave(png, canvas())
        faces = faces_on_canvas(Gst, png)
        _, detect_wall = run(Gst, raw, args.frames, "")
        print(f"{args.frames} frames {W}x{H}, {len(faces)} faces on the photograph; facedetect "
              f"alone {detect_wall:.1f} s")
        print("| model | reclassify-interval | smoothing | forwards/s | regions with a result/s | "
              "regions with a result | track ids per face appearance | label changes per "
              "track per 100 frames | wall s |")
        print("|---|---|---|---|---|---|---|---|---|")
        runs = [("fashion", fashion, 1, "none"), ("fashion", fashion, 10, "none")]
        runs += [("random", random, i, sm) for i, sm in ((1, "none"), (10, "none"), (1, "vote"),
                                                         (10, "vote"), (1, "mean"))]
        for name, model, interval, smoothing in runs:
            classifier = (f"swinclassify model={model} labels={labels} inference-region=roi-list "
                          f"object-class=face reclassify-interval={interval} "
                          f"smoothing={smoothing} smoothing-window=5 post-messages=false !")
            frames, wall = run(Gst, raw, args.frames, classifier)
            a = analyse(frames, args.frames, canvas_w, faces)
            print(f"| {name} | {interval} | {smoothing} | {a['forwards_s']:.1f} | "
                  f"{a['results_s']:.1f} | {a['with_result']}/{a['regions']} | "
                  f"{a['ids_per_appearance']:.2f} | {a['changes_100']:.1f} | {wall:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: LGPL-2.1-or-later
# pipelines/swin_regions.py (the Python recipe of pipelines/README.md, which
# must quote it verbatim) on a real pipeline: appsrc with 20 regions, most
# sharing an id, through two swinclassify elements (result-names
# "classification" and "second") to an appsink.  The recipe must see every
# region, with both results equal to what each element's bus message lists.
import os
import sys
import warnings

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

SRCDIR = os.path.join(os.environ["SWIN_TEST_SRCDIR"], "..")
sys.path.insert(0, os.path.join(SRCDIR, "pipelines"))
import swin_regions  # noqa: E402

WIDTH, HEIGHT, N = 96, 64, 20
# GValueArray is deprecated in GLib, yet it is what Gst.Structure.get_array() returns.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def array(structure, name):
    ok, a = structure.get_array(name)
    if not ok:
        fail("no array %s in %s" % (name, structure.to_string()))
    return a


def values(structure, name):
    """The numbers or strings of an array field, copied out of it."""
    a = array(structure, name)
    return [a.get_nth(i) for i in range(a.n_values)]


def main():
    Gst.init(None)
    with open(os.path.join(SRCDIR, "pipelines", "README.md")) as f:
        readme = f.read()
    with open(os.path.join(SRCDIR, "pipelines", "swin_regions.py")) as f:
        recipe = f.read()
    if recipe not in readme:
        fail("pipelines/README.md does not quote pipelines/swin_regions.py verbatim")

    model = os.path.join(SRCDIR, "models", "fashion_mnist_swin.safetensors")
    labels = os.path.join(SRCDIR, "models", "fashion_mnist_labels.txt")
    device = os.environ.get("SWIN_TEST_DEVICE")
    common = 'model="%s" labels="%s" inference-region=roi-list min-roi-size=1x1 %s' % (
        model, labels, 'device="%s"' % device if device else "")
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=RGB,width=%d,height=%d,framerate=1/1 ! "
        "swinclassify name=first top-k=3 %s ! swinclassify name=second result-name=second top-k=2 %s ! "
        "appsink name=out" % (WIDTH, HEIGHT, common, common))
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)

    buf = Gst.Buffer.new_wrapped(bytes((i * 7) % 251 for i in range(WIDTH * HEIGHT * 3)))
    buf.pts = 0
    buf.duration = Gst.SECOND
    expect = set()
    for i in range(N):
        x, y, w, h = (i * 13) % 70, (i * 5) % 40, 10 + i, 8 + (i % 7) * 3
        roi = GstVideo.buffer_add_video_region_of_interest_meta(buf, "item", x, y, w, h)
        roi.id = 0 if i % 3 else 40 + i   # most at the default id 0; ids above 16
        expect.add((roi.id, x, y, w, h))
    pipeline.get_by_name("src").emit("push-buffer", buf)
    sample = pipeline.get_by_name("out").emit("try-pull-sample", 120 * Gst.SECOND)
    if sample is None:
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        fail("no buffer: %s" % (msg.parse_error()[0].message if msg else "timeout"))

    seen = {}
    for roi_type, roi_id, x, y, w, h, results in swin_regions.regions(sample.get_buffer()):
        if roi_type != "item":
            fail("roi_type %s" % roi_type)
        seen[(roi_id, x, y, w, h)] = results
    if set(seen) != expect:
        fail("the recipe saw %d regions, %d expected: %s" % (len(seen), len(expect),
                                                              sorted(expect - set(seen))))

    # Each element's message lists its regions with their top-k: the same as
    # the meta the recipe read, under that element's result-name.
    names = {"first": "classification", "second": "second"}
    checked = 0
    while checked < 2:
        msg = bus.timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)
        if msg is None or msg.type == Gst.MessageType.ERROR:
            fail("no element message")
        name = names[msg.src.get_name()]
        # get_nth() returns the array's own structures: keep the array alive
        listed = array(msg.get_structure(), "regions")
        for r in (listed.get_nth(i) for i in range(listed.n_values)):
            key = (r.get_int("id")[1], r.get_uint("x")[1], r.get_uint("y")[1], r.get_uint("w")[1],
                   r.get_uint("h")[1])
            s = seen[key].get(name)
            if s is None:
                fail("region %s has no %s" % (key, name))
            for field in ("class-ids", "labels", "scores"):
                if values(s, field) != values(r, field):
                    fail("%s %s of %s: %s, message %s" % (name, field, key, values(s, field),
                                                          values(r, field)))
            if s.get_string("label") != values(r, "labels")[0]:
                fail("label of %s" % (key,))
        checked += 1
    pipeline.set_state(Gst.State.NULL)
    print("ok: %d regions, both results on each" % len(seen))


main()

# SPDX-License-Identifier: LGPL-2.1-or-later
# Every region of interest of a buffer with its swinclassify results, from
# Python with plain PyGObject (no gst-python). PyGObject cannot iterate a
# buffer's metadata (gst_buffer_iterate_meta is not introspectable,
# foreach_meta's callback gets no meta, get_meta returns only the first), so
# the iteration goes through ctypes; each result is a Gst.Structure.
import ctypes

from gi.repository import GLib, Gst

_gst = ctypes.CDLL("libgstreamer-1.0.so.0")
_gst.gst_buffer_iterate_meta_filtered.restype = ctypes.c_void_p
_gst.gst_buffer_iterate_meta_filtered.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                                  ctypes.c_size_t]
_gst.gst_structure_to_string.restype = ctypes.c_void_p
_gst.gst_structure_to_string.argtypes = [ctypes.c_void_p]
_glib = ctypes.CDLL("libglib-2.0.so.0")
_glib.g_free.argtypes = [ctypes.c_void_p]
_video = ctypes.CDLL("libgstvideo-1.0.so.0")
_video.gst_video_region_of_interest_meta_api_get_type.restype = ctypes.c_size_t


class _GList(ctypes.Structure):
    pass


_GList._fields_ = [("data", ctypes.c_void_p), ("next", ctypes.POINTER(_GList)),
                   ("prev", ctypes.POINTER(_GList))]


class _RoiMeta(ctypes.Structure):  # GstVideoRegionOfInterestMeta (stable ABI)
    _fields_ = [("flags", ctypes.c_int), ("info", ctypes.c_void_p), ("roi_type", ctypes.c_uint32),
                ("id", ctypes.c_int), ("parent_id", ctypes.c_int), ("x", ctypes.c_uint),
                ("y", ctypes.c_uint), ("w", ctypes.c_uint), ("h", ctypes.c_uint),
                ("params", ctypes.POINTER(_GList))]


def regions(buf):
    """Yields (roi_type, id, x, y, w, h, results) for every region meta of buf,
    results being {result-name: Gst.Structure} of its swinclassify results."""
    api = _video.gst_video_region_of_interest_meta_api_get_type()
    state = ctypes.c_void_p()
    while True:
        # PyGObject's hash of a Gst.Buffer is its GstBuffer pointer.
        meta = _gst.gst_buffer_iterate_meta_filtered(hash(buf), ctypes.byref(state), api)
        if not meta:
            return
        roi = _RoiMeta.from_address(meta)
        results = {}
        node = roi.params
        while node:
            text = _gst.gst_structure_to_string(node.contents.data)
            s = Gst.Structure.from_string(ctypes.string_at(text).decode())[0]
            _glib.g_free(text)
            if s.has_field("class-ids") and s.has_field("labels") and s.has_field("scores"):
                results[s.get_name()] = s
            node = node.contents.next
        yield (GLib.quark_to_string(roi.roi_type), roi.id, roi.x, roi.y, roi.w, roi.h, results)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one JSON form of a frame's classification results, written by the
 * swinpublish element and by pipelines/swin-print.
 *
 * One object per buffer (compact, no newline):
 *
 *   "timestamp"   stream time of the buffer in ns (null when unknown)
 *   "pts"         the buffer's PTS in ns (null when unknown)
 *   "source"      where the frames come from (omitted when NULL)
 *   "resolution"  {"width", "height"} of the frames (omitted when unknown)
 *   from the GstSwinClassifyMeta, when the buffer has one:
 *   "model", "frame", "age",
 *   "classes"     [{"id", "label", "score"}], best first
 *   "features"    with GstSwinJsonContext.features, where the buffer has
 *                 the frame's features (swinclassify features=true): the
 *                 pooled features as an array of numbers (each the float32
 *                 value exactly, written as a double)
 *   else from the first result of the first classified region
 *   (inference-region=roi-list), where it has them: "model", "frame"
 *   from each GstVideoRegionOfInterestMeta with at least one swinclassify
 *   result (gstswinmeta.h), when there is at least one:
 *   "objects"     [{"id", "roi_type", "x", "y", "w", "h", "track_id" (a
 *                   tracked object's, from its first result with one),
 *                   RESULT-NAME: {"label", "label_id", "confidence",
 *                                 "model", "classes": [...],
 *                                 "features": [...]}, ...}]
 *   with one RESULT-NAME key per result on the region (the result-name of
 *   its swinclassify, "classification" by default); "features" only with
 *   GstSwinJsonContext.features and where that swinclassify attached the
 *   region's features (gst_buffer_get_swin_region_features())
 *
 * Field names follow DL Streamer's gvametaconvert where the meaning is the
 * same (objects, roi_type, x, y, w, h, label, label_id, confidence). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* What the buffer alone does not say. */
typedef struct {
  const gchar *source;        /* NULL: no "source" field */
  gint width, height;         /* <= 0: no "resolution" field */
  const GstSegment *segment;  /* NULL or not in TIME: "timestamp" is null */
  gboolean features;          /* write the pooled features where there are some */
} GstSwinJsonContext;

/* TRUE if @buffer carries a frame result or a classified region. */
gboolean gst_swin_json_buffer_has_results (GstBuffer *buffer);

/* The JSON object for @buffer as a UTF-8 string of *@length bytes (no
 * newline); g_free() it.  Written for every buffer, with or without
 * results. */
gchar *gst_swin_json_serialize (GstBuffer *buffer, const GstSwinJsonContext *context,
                                gsize *length);

G_END_DECLS

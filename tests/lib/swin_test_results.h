/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffers carrying classification results made the way swinclassify and a
 * region classifier attach them (for the swinpublish tests). */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define SWIN_TEST_RESULT_CAPS "video/x-raw,format=RGB,width=16,height=12,framerate=30/1"
#define SWIN_TEST_RESULT_WIDTH 16
#define SWIN_TEST_RESULT_HEIGHT 12

/* A GstValueArray field @name of @s from @n values of @type (G_TYPE_INT,
 * G_TYPE_DOUBLE or G_TYPE_STRING) at @values. */
void swin_test_set_array (GstStructure *s, const gchar *name, GType type, guint n,
                          const gconstpointer *values);

/* Fills @s with @n (at most 8) classes: ids, labels ("label <id>" +
 * @label_suffix) and scores from @rand, scores descending as swinclassify
 * writes them. */
void swin_test_fill_classes (GstStructure *s, guint n, GRand *rand, const gchar *label_suffix);

/* A frame of SWIN_TEST_RESULT_CAPS with PTS @pts and, as swinclassify
 * attaches it, a frame result: 1 to 5 classes, model "tiny", frame @frame,
 * age @frame % 3.  (The meta is registered once the swin plugin is
 * loaded.) */
GstBuffer *swin_test_result_buffer (guint64 frame, GstClockTime pts, guint32 seed);

/* Adds a region to @buf as a detector would, and (@classify) its result as
 * a region classifier attaches it: a "classification" parameter with
 * label, label_id, confidence, model_name and the classes arrays. */
GstVideoRegionOfInterestMeta *swin_test_add_region (GstBuffer *buf, const gchar *roi_type,
                                                    guint x, guint y, guint w, guint h,
                                                    gboolean classify, guint32 seed,
                                                    const gchar *label_suffix);

G_END_DECLS

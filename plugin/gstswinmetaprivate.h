/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing the classification and features metas (plugin-internal; readers are in the
 * installed gstswinmeta.h). */
#pragma once

#include "gstswinmeta.h"

G_BEGIN_DECLS

/* Registers the GstCustomMetas once per process; TRUE if they are registered. */
gboolean gst_swin_meta_register (void);

/* Attaches @result's result fields (see gstswinmeta.h) with "age" = @age and
 * "frame" = @frame. */
void gst_buffer_add_swin_result (GstBuffer *buffer, const GstStructure *result, guint age,
                                 guint64 frame);

/* Where a feature vector comes from: a whole frame @age frames old, or
 * (@is_region) the region meta of id @region_id and box @x, @y, @w, @h,
 * detection @od_id (-1: none), classified by an element of result-name
 * @result_name. */
typedef struct {
  guint age;
  gboolean is_region;
  gint region_id, od_id;
  guint x, y, w, h;
  GQuark result_name;
} GstSwinFeaturesOrigin;

/* Attaches a features meta (see gstswinmeta.h) holding @values (float32,
 * referenced), computed by @model on frame @frame, from @origin;
 * @tensor_index: its tensor in the buffer's GstTensorMeta, -1: none. */
void gst_buffer_add_swin_features (GstBuffer *buffer, GBytes *values, const gchar *model,
                                   guint64 frame, const GstSwinFeaturesOrigin *origin,
                                   gint tensor_index);

G_END_DECLS

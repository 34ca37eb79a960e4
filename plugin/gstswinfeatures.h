/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features=true: the pooled features of each classified image on its
 * buffer, as a GstSwinFeaturesMeta and, on GStreamer 1.26+, a GstTensor of
 * the buffer's GstTensorMeta (see gstswinmeta.h). */
#pragma once

#include <gst/gst.h>

#include "gstswinregions.h"

G_BEGIN_DECLS

/* The whole frame's features @values (float32, referenced), computed by
 * @model on frame @frame, @age frames before @buf. */
void gst_swin_features_attach_frame (GstBuffer *buf, GBytes *values, const gchar *model,
                                     guint64 frame, guint age);

/* The features of the @n regions @which of @regions, @length floats per
 * region at @features (row j: region @which[j]), computed by @model for an
 * element of result-name @result_name on @buf, frame @frame. */
void gst_swin_features_attach_regions (GstBuffer *buf, const GArray *regions, const guint *which,
                                       guint n, const gfloat *features, guint length,
                                       const gchar *model, guint64 frame, GQuark result_name);

G_END_DECLS

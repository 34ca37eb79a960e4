/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An element's class names, and the result structures (the fields of
 * gstswinmeta.h) it makes from a model's logits. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _GstSwinLabels GstSwinLabels;

/* The @n_classes labels of @path (see gst_swin_settings_load_labels()) for
 * results of the model named @model_name.  NULL with @error otherwise. */
GstSwinLabels *gst_swin_labels_new (const gchar *path, gint n_classes, const gchar *model_name,
                                    GError **error);
void gst_swin_labels_free (GstSwinLabels *labels);

/* The result of one image from its @logits: the @top_k best classes whose
 * softmax score is at least @threshold, as a GST_SWIN_META_NAME structure
 * without age or frame number. */
GstStructure *gst_swin_labels_make_result (const GstSwinLabels *labels, const gfloat *logits,
                                           guint top_k, gdouble threshold);

/* The label of class @class_id (0 <= @class_id < n_classes). */
const gchar *gst_swin_labels_get_name (const GstSwinLabels *labels, gint class_id);

G_END_DECLS

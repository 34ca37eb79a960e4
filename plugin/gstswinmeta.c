/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classification result and the pooled features as GstCustomMetas
 * (GStreamer >= 1.20): GstStructures that C and Python applications can
 * read without linking to this plugin. */
#include "gstswinmetaprivate.h"

static const gchar *const result_fields[] = {
  GST_SWIN_FIELD_CLASS_IDS, GST_SWIN_FIELD_LABELS, GST_SWIN_FIELD_SCORES, GST_SWIN_FIELD_MODEL,
};

static gboolean
copy_field (GQuark field, const GValue *value, gpointer dest)
{
  gst_structure_id_set_value (dest, field, value);
  return TRUE;
}

/* A result or a feature vector describes the frame's content, which stays
 * the same when a frame is copied, scaled or converted, so every transform
 * keeps it (the default for custom metas keeps it on copies only).
 * @user_data: the meta's name. */
static gboolean
gst_swin_meta_transform (GstBuffer *dest, GstCustomMeta *meta, GstBuffer *src, GQuark type,
                         gpointer data, gpointer user_data)
{
  GstCustomMeta *copy = gst_buffer_add_custom_meta (dest, user_data);

  if (!copy)
    return FALSE;
  gst_structure_foreach (gst_custom_meta_get_structure (meta), copy_field,
                         gst_custom_meta_get_structure (copy));
  return TRUE;
}

static gpointer
register_once (gpointer data)
{
  /* No tags: the result describes the frame's content, not its memory,
   * size or colours. */
  static const gchar *tags[] = { NULL };

  if (!gst_meta_register_custom (GST_SWIN_META_NAME, tags, gst_swin_meta_transform,
                                 (gpointer) GST_SWIN_META_NAME, NULL) ||
      !gst_meta_register_custom (GST_SWIN_FEATURES_META_NAME, tags, gst_swin_meta_transform,
                                 (gpointer) GST_SWIN_FEATURES_META_NAME, NULL))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

gboolean
gst_swin_meta_register (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, register_once, NULL) != NULL;
}

void
gst_buffer_add_swin_result (GstBuffer *buffer, const GstStructure *result, guint age,
                            guint64 frame)
{
  GstCustomMeta *meta = gst_buffer_add_custom_meta (buffer, GST_SWIN_META_NAME);
  GstStructure *s;

  if (!meta)
    return;
  s = gst_custom_meta_get_structure (meta);
  for (guint i = 0; i < G_N_ELEMENTS (result_fields); i++) {
    const GValue *v = gst_structure_get_value (result, result_fields[i]);

    if (v)
      gst_structure_set_value (s, result_fields[i], v);
  }
  gst_structure_set (s, GST_SWIN_FIELD_AGE, G_TYPE_UINT, age, GST_SWIN_FIELD_FRAME, G_TYPE_UINT64,
                     frame, NULL);
}

void
gst_buffer_add_swin_features (GstBuffer *buffer, GBytes *values, const gchar *model, guint64 frame,
                              const GstSwinFeaturesOrigin *origin, gint tensor_index)
{
  GstCustomMeta *meta = gst_buffer_add_custom_meta (buffer, GST_SWIN_FEATURES_META_NAME);
  GstStructure *s;

  if (!meta)
    return;
  s = gst_custom_meta_get_structure (meta);
  gst_structure_set (s, GST_SWIN_FIELD_FEATURES, G_TYPE_BYTES, values,
                     GST_SWIN_FIELD_LENGTH, G_TYPE_UINT, (guint) (g_bytes_get_size (values) / 4),
                     GST_SWIN_FIELD_MODEL, G_TYPE_STRING, model,
                     GST_SWIN_FIELD_FRAME, G_TYPE_UINT64, frame, NULL);
  if (origin->is_region)
    gst_structure_set (s, GST_SWIN_FIELD_REGION_ID, G_TYPE_INT, origin->region_id,
                       "x", G_TYPE_UINT, origin->x, "y", G_TYPE_UINT, origin->y,
                       "w", G_TYPE_UINT, origin->w, "h", G_TYPE_UINT, origin->h,
                       GST_SWIN_FIELD_DETECTION_ID, G_TYPE_INT, origin->od_id,
                       GST_SWIN_FIELD_RESULT_NAME, G_TYPE_STRING,
                       g_quark_to_string (origin->result_name), NULL);
  else
    gst_structure_set (s, GST_SWIN_FIELD_AGE, G_TYPE_UINT, origin->age, NULL);
  if (tensor_index >= 0)
    gst_structure_set (s, GST_SWIN_FIELD_TENSOR_INDEX, G_TYPE_UINT, (guint) tensor_index, NULL);
}

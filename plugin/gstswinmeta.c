/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classification result as a GstCustomMeta (GStreamer >= 1.20): a
 * GstStructure that C and Python applications can read without linking to
 * this plugin. */
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

/* A whole-frame result stays valid when a frame is copied, scaled or
 * converted, so every transform keeps it (the default for custom metas keeps
 * it on copies only). */
static gboolean
gst_swin_meta_transform (GstBuffer *dest, GstCustomMeta *meta, GstBuffer *src, GQuark type,
                         gpointer data, gpointer user_data)
{
  GstCustomMeta *copy = gst_buffer_add_custom_meta (dest, GST_SWIN_META_NAME);

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

  return (gpointer) gst_meta_register_custom (GST_SWIN_META_NAME, tags, gst_swin_meta_transform,
                                              NULL, NULL);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_results.h"

#include <gst/check/gstcheck.h>

#include "gstswinmeta.h"

void
swin_test_set_array (GstStructure *s, const gchar *name, GType type, guint n,
                     const gconstpointer *values)
{
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, type);
    if (type == G_TYPE_INT)
      g_value_set_int (&v, *(const gint *) values[i]);
    else if (type == G_TYPE_DOUBLE)
      g_value_set_double (&v, *(const gdouble *) values[i]);
    else
      g_value_set_string (&v, values[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, name, &array);
}

void
swin_test_fill_classes (GstStructure *s, guint n, GRand *rand, const gchar *label_suffix)
{
  gint ids[8];
  gdouble scores[8];
  gchar *labels[8];
  /* (Zeroed: GCC cannot tell that only the first @n are read.) */
  gconstpointer pid[8] = { NULL }, plabel[8] = { NULL }, pscore[8] = { NULL };
  gdouble prev = 1.0;

  g_assert (n <= 8);
  for (guint i = 0; i < n; i++) {
    ids[i] = g_rand_int_range (rand, 0, 1000);
    prev = scores[i] = prev * g_rand_double (rand);
    labels[i] = g_strdup_printf ("label %d%s", ids[i], label_suffix ? label_suffix : "");
    pid[i] = &ids[i];
    plabel[i] = labels[i];
    pscore[i] = &scores[i];
  }
  swin_test_set_array (s, GST_SWIN_FIELD_CLASS_IDS, G_TYPE_INT, n, pid);
  swin_test_set_array (s, GST_SWIN_FIELD_LABELS, G_TYPE_STRING, n, plabel);
  swin_test_set_array (s, GST_SWIN_FIELD_SCORES, G_TYPE_DOUBLE, n, pscore);
  for (guint i = 0; i < n; i++)
    g_free (labels[i]);
}

GstBuffer *
swin_test_result_buffer (guint64 frame, GstClockTime pts, guint32 seed)
{
  GstBuffer *buf =
      gst_buffer_new_allocate (NULL, SWIN_TEST_RESULT_WIDTH * SWIN_TEST_RESULT_HEIGHT * 3, NULL);
  GstCustomMeta *meta = gst_buffer_add_custom_meta (buf, GST_SWIN_META_NAME);
  GRand *rand = g_rand_new_with_seed (seed);
  GstStructure *s;

  fail_unless (meta != NULL, "GstSwinClassifyMeta not registered");
  gst_buffer_memset (buf, 0, (guint8) seed, gst_buffer_get_size (buf));
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  s = gst_custom_meta_get_structure (meta);
  swin_test_fill_classes (s, 1 + (guint) (frame % 5), rand, NULL);
  gst_structure_set (s, GST_SWIN_FIELD_MODEL, G_TYPE_STRING, "tiny", GST_SWIN_FIELD_AGE,
                     G_TYPE_UINT, (guint) (frame % 3), GST_SWIN_FIELD_FRAME, G_TYPE_UINT64,
                     frame, NULL);
  g_rand_free (rand);
  return buf;
}

GstVideoRegionOfInterestMeta *
swin_test_add_region (GstBuffer *buf, const gchar *roi_type, guint x, guint y, guint w, guint h,
                      gboolean classify, guint32 seed, const gchar *label_suffix)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (buf, roi_type, x, y, w, h);

  if (classify) {
    GstStructure *c = gst_structure_new_empty ("classification");
    GRand *rand = g_rand_new_with_seed (seed);
    const GValue *ids, *labels, *scores;

    swin_test_fill_classes (c, 3, rand, label_suffix);
    ids = gst_structure_get_value (c, GST_SWIN_FIELD_CLASS_IDS);
    labels = gst_structure_get_value (c, GST_SWIN_FIELD_LABELS);
    scores = gst_structure_get_value (c, GST_SWIN_FIELD_SCORES);
    gst_structure_set (c, "label", G_TYPE_STRING,
                       g_value_get_string (gst_value_array_get_value (labels, 0)),
                       "label_id", G_TYPE_INT, g_value_get_int (gst_value_array_get_value (ids, 0)),
                       "confidence", G_TYPE_DOUBLE,
                       g_value_get_double (gst_value_array_get_value (scores, 0)),
                       "model_name", G_TYPE_STRING, "regions-model",
                       "frame", G_TYPE_UINT64, (guint64) seed, NULL);
    gst_video_region_of_interest_meta_add_param (roi, c);
    g_rand_free (rand);
  }
  return roi;
}

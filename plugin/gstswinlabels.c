/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Results from logits (see gstswinlabels.h). */
#include "gstswinlabels.h"
#include "gstswinmetaprivate.h"
#include "gstswinsettings.h"

struct _GstSwinLabels {
  gint n_classes;
  gchar **names;
  gchar *model_name;
};

GstSwinLabels *
gst_swin_labels_new (const gchar *path, gint n_classes, const gchar *model_name, GError **error)
{
  gchar **names = gst_swin_settings_load_labels (path, n_classes, error);
  GstSwinLabels *labels;

  if (!names)
    return NULL;
  labels = g_new0 (GstSwinLabels, 1);
  labels->n_classes = n_classes;
  labels->names = names;
  labels->model_name = g_strdup (model_name);
  return labels;
}

void
gst_swin_labels_free (GstSwinLabels *labels)
{
  if (!labels)
    return;
  g_strfreev (labels->names);
  g_free (labels->model_name);
  g_free (labels);
}

const gchar *
gst_swin_labels_get_name (const GstSwinLabels *labels, gint class_id)
{
  g_return_val_if_fail (class_id >= 0 && class_id < labels->n_classes, NULL);
  return labels->names[class_id];
}

GstStructure *
gst_swin_labels_make_result (const GstSwinLabels *labels, const gfloat *logits, guint top_k,
                             gdouble threshold)
{
  GValue ids = G_VALUE_INIT, names = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  gint k = MIN ((gint) top_k, labels->n_classes);
  gfloat *probs = g_memdup2 (logits, labels->n_classes * sizeof (gfloat));
  gint *order = g_new (gint, MAX (k, 1));
  GstStructure *s;

  swin_softmax (probs, labels->n_classes);
  swin_topk (probs, labels->n_classes, k, order);
  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&names, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (gint i = 0; i < k && probs[order[i]] >= threshold; i++) {
    gint c = order[i];

    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, c);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, labels->names[c]);
    gst_value_array_append_and_take_value (&names, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, probs[c]);
    gst_value_array_append_and_take_value (&scores, &v);
  }
  s = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING, labels->model_name,
                         NULL);
  gst_structure_take_value (s, GST_SWIN_FIELD_CLASS_IDS, &ids);
  gst_structure_take_value (s, GST_SWIN_FIELD_LABELS, &names);
  gst_structure_take_value (s, GST_SWIN_FIELD_SCORES, &scores);
  g_free (probs);
  g_free (order);
  return s;
}

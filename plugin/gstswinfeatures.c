/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pooled features on buffers (see gstswinfeatures.h). */
#include "gstswinfeatures.h"
#include "gstswinanalytics.h"
#include "gstswinmetaprivate.h"

void
gst_swin_features_attach_frame (GstBuffer *buf, GBytes *values, const gchar *model, guint64 frame,
                                guint age)
{
  GstSwinFeaturesOrigin origin = { .age = age };

  gst_buffer_add_swin_features (buf, values, model, frame, &origin,
                                gst_swin_analytics_add_features (buf, &values, 1));
}

void
gst_swin_features_attach_regions (GstBuffer *buf, const GArray *regions, const guint *which,
                                  guint n, const gfloat *features, guint length,
                                  const gchar *model, guint64 frame, GQuark result_name)
{
  GBytes **values = g_new (GBytes *, MAX (n, 1));
  gint first;

  for (guint j = 0; j < n; j++)
    values[j] = g_bytes_new (features + (gsize) j * length, (gsize) length * sizeof (gfloat));
  /* All tensors at once: the tensor meta is rebuilt at each addition. */
  first = gst_swin_analytics_add_features (buf, values, n);
  for (guint j = 0; j < n; j++) {
    const GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, which[j]);
    GstSwinFeaturesOrigin origin = {
      .is_region = TRUE, .region_id = r->id, .od_id = r->od_id,
      .x = r->x, .y = r->y, .w = r->w, .h = r->h, .result_name = result_name,
    };

    gst_buffer_add_swin_features (buf, values[j], model, frame, &origin,
                                  first < 0 ? -1 : first + (gint) j);
    g_bytes_unref (values[j]);
  }
  g_free (values);
}

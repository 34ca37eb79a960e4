/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frame numbering, the latest result and its delivery as meta and message
 * (see gstswinresults.h). */
#include "gstswinresults.h"
#include "gstswinanalytics.h"
#include "gstswinfeatures.h"
#include "gstswinmetaprivate.h"

void
gst_swin_results_init (GstSwinResults *results)
{
  g_mutex_init (&results->lock);
  results->n_frames = 0;
  results->flush_seq = 0;
  results->latest = NULL;
  results->latest_features = NULL;
  results->latest_index = 0;
}

void
gst_swin_results_clear (GstSwinResults *results)
{
  g_clear_pointer (&results->latest, gst_structure_free);
  g_clear_pointer (&results->latest_features, g_bytes_unref);
  g_mutex_clear (&results->lock);
}

void
gst_swin_results_reset (GstSwinResults *results)
{
  g_mutex_lock (&results->lock);
  results->n_frames = 0;
  g_clear_pointer (&results->latest, gst_structure_free);
  g_clear_pointer (&results->latest_features, g_bytes_unref);
  g_mutex_unlock (&results->lock);
}

void
gst_swin_results_next_frame (GstSwinResults *results, GstSwinFramePosition *pos)
{
  g_mutex_lock (&results->lock);
  pos->index = results->n_frames++;
  pos->flush_seq = results->flush_seq;
  g_mutex_unlock (&results->lock);
}

void
gst_swin_results_flush (GstSwinResults *results)
{
  g_mutex_lock (&results->lock);
  results->flush_seq++;
  g_clear_pointer (&results->latest, gst_structure_free);
  g_clear_pointer (&results->latest_features, g_bytes_unref);
  g_mutex_unlock (&results->lock);
}

gboolean
gst_swin_results_store (GstSwinResults *results, GstStructure *result, GBytes *features,
                        const GstSwinFramePosition *pos, guint64 *age)
{
  g_mutex_lock (&results->lock);
  if (pos->flush_seq != results->flush_seq) {
    g_mutex_unlock (&results->lock);
    gst_structure_free (result);
    if (features)
      g_bytes_unref (features);
    return FALSE;
  }
  if (results->latest)
    gst_structure_free (results->latest);
  if (results->latest_features)
    g_bytes_unref (results->latest_features);
  results->latest = result;
  results->latest_features = features;
  results->latest_index = pos->index;
  *age = results->n_frames > pos->index ? results->n_frames - 1 - pos->index : 0;
  g_mutex_unlock (&results->lock);
  return TRUE;
}

gboolean
gst_swin_results_age (GstSwinResults *results, const GstSwinFramePosition *pos, guint64 *age)
{
  gboolean current;

  g_mutex_lock (&results->lock);
  current = pos->flush_seq == results->flush_seq;
  *age = results->n_frames > pos->index ? results->n_frames - 1 - pos->index : 0;
  g_mutex_unlock (&results->lock);
  return current;
}

void
gst_swin_results_attach (GstSwinResults *results, GstBuffer *buf, guint64 index)
{
  g_mutex_lock (&results->lock);
  if (results->latest) {
    guint age = (guint) MIN (index - results->latest_index, G_MAXUINT);

    gst_buffer_add_swin_result (buf, results->latest, age, index);
    gst_swin_analytics_add_frame_result (buf, results->latest);
    if (results->latest_features)
      gst_swin_features_attach_frame (buf, results->latest_features,
                                      gst_swin_result_get_model (results->latest),
                                      results->latest_index, age);
  }
  g_mutex_unlock (&results->lock);
}

GstStructure *
gst_swin_results_message (GstStructure *msg, const GstSwinFramePosition *pos, guint64 age)
{
  gst_structure_set_name (msg, GST_SWIN_MESSAGE_NAME);
  gst_structure_set (msg, GST_SWIN_FIELD_AGE, G_TYPE_UINT, (guint) MIN (age, G_MAXUINT),
                     GST_SWIN_FIELD_FRAME, G_TYPE_UINT64, pos->index,
                     "timestamp", G_TYPE_UINT64, pos->pts,
                     "stream-time", G_TYPE_UINT64, pos->stream_time,
                     "running-time", G_TYPE_UINT64, pos->running_time,
                     "duration", G_TYPE_UINT64, pos->duration, NULL);
  return msg;
}

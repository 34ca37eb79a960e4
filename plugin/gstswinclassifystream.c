/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The streaming side of swinclassify: each buffer numbered, classified
 * (now, or by the worker) or skipped (inference-interval, QoS) and given
 * the latest result; caps to the core's frame description; flush, EOS, QoS
 * and the LATENCY query. */
#include "gstswinclassifyprivate.h"
#include "gstswinmetaprivate.h"
#include "gstswinregions.h"
#include "gstswinvideo.h"

#define GST_CAT_DEFAULT gst_swin_classify_debug

static GstBaseTransformClass *parent_class;

gboolean
gst_swin_classify_process (const GstSwinJob *job, gpointer data)
{
  GstSwinClassify *self = data;
  gint64 t0 = g_get_monotonic_time ();
  GstStructure *result, *msg = NULL;
  GError *error = NULL;
  gboolean post, relatency = FALSE;
  guint64 age;
  guint top_k;
  gdouble threshold;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);
  if (!gst_swin_infer_run (self->infer, &job->frame, NULL, 0, &job->params, top_k, threshold,
                           &result, &error)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  self->frames_inferred++;
  self->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  post = self->post_messages;
  /* Live pipelines: when sync inference got clearly slower than what the
   * last LATENCY query reported, ask the application to redistribute. */
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_SYNC &&
      GST_CLOCK_TIME_IS_VALID (self->reported_latency) &&
      self->latency_ms * GST_MSECOND > 1.25 * self->reported_latency) {
    self->reported_latency = GST_CLOCK_TIME_NONE;
    relatency = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  /* Copied before it is shared: the streaming thread may replace it. */
  if (post)
    msg = gst_structure_copy (result);
  if (!gst_swin_results_store (&self->results, result, &job->position, &age)) {
    GST_DEBUG_OBJECT (self, "result of frame %" G_GUINT64_FORMAT " dropped: flushed",
                      job->position.index);
    g_clear_pointer (&msg, gst_structure_free);
  }
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
        gst_swin_results_message (msg, &job->position, age)));
  if (relatency)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

/* inference-region=roi-list: classifies @buf's selected regions in one
 * request, attaches their results and posts the message listing them.
 * Frames without such regions pass untouched.  FALSE after posting an
 * error. */
static gboolean
gst_swin_classify_process_regions (GstSwinClassify *self, GstBuffer *buf, const SwinFrame *frame,
                                   const SwinPreprocessParams *params,
                                   const GstSwinFramePosition *pos)
{
  gint64 t0 = g_get_monotonic_time ();
  GArray *regions = gst_swin_regions_collect (GST_OBJECT (self), buf, frame->width, frame->height,
                                              self->classes, self->min_roi_width,
                                              self->min_roi_height);
  GstStructure **results = NULL;
  SwinRect *rects;
  GError *error = NULL;
  gboolean post, ok = TRUE;
  guint top_k;
  gdouble threshold;
  GQuark result_name;

  if (regions->len == 0)
    goto out;
  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  result_name = self->result_name.quark;
  threshold = self->threshold;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  rects = g_new (SwinRect, regions->len);
  for (guint i = 0; i < regions->len; i++)
    rects[i] = g_array_index (regions, GstSwinRegion, i).rect;
  results = g_new0 (GstStructure *, regions->len);
  ok = gst_swin_infer_run (self->infer, frame, rects, regions->len, params, top_k, threshold, results,
                           &error);
  g_free (rects);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
    g_clear_error (&error);
    goto out;
  }
  gst_swin_regions_attach (GST_ELEMENT (self), regions, results, pos->index, result_name,
                           &self->result_name.warned);
  GST_OBJECT_LOCK (self);
  self->frames_inferred++;
  self->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  if (post) {
    GstStructure *msg = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING,
                                           gst_swin_infer_get_model_name (self->infer), NULL);

    gst_swin_regions_describe (regions, results, msg);
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
        gst_swin_results_message (msg, pos, 0)));
  }

out:
  for (guint i = 0; results && i < regions->len; i++)
    gst_structure_free (results[i]);
  g_free (results);
  g_array_unref (regions);
  return ok;
}

/* Whether the frame starting at running time @rt is already late for the
 * sink, from the last QoS event. */
static gboolean
gst_swin_classify_is_late (GstSwinClassify *self, GstClockTime rt)
{
  GstClockTime earliest;

  if (!gst_base_transform_is_qos_enabled (GST_BASE_TRANSFORM (self)) ||
      !GST_CLOCK_TIME_IS_VALID (rt))
    return FALSE;
  GST_OBJECT_LOCK (self);
  earliest = self->earliest_time;
  GST_OBJECT_UNLOCK (self);
  return GST_CLOCK_TIME_IS_VALID (earliest) && rt <= earliest;
}

static GstFlowReturn
gst_swin_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  GstSwinJob job;
  GstSwinFramePosition *pos = &job.position;
  GstVideoFrame vf;
  guint interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  gst_swin_results_next_frame (&self->results, pos);
  if (self->worker && gst_swin_worker_has_failed (self->worker))
    return GST_FLOW_ERROR;

  pos->pts = GST_BUFFER_PTS (buf);
  pos->duration = GST_BUFFER_DURATION (buf);
  pos->running_time = pos->stream_time = GST_CLOCK_TIME_NONE;
  if (trans->segment.format == GST_FORMAT_TIME) {
    pos->running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pos->pts);
    pos->stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pos->pts);
  }

  if (pos->index % interval != 0)
    goto attach;
  if (gst_swin_classify_is_late (self, pos->running_time)) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT " is late: not classified", pos->index);
    goto attach;
  }
  if (!gst_video_frame_map (&vf, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  gst_swin_video_frame_describe (&vf, &job.frame);
  job.params = self->frame_params;
  if (self->run_region == GST_SWIN_CLASSIFY_REGION_ROI_LIST) {
    gboolean ok = gst_swin_classify_process_regions (self, buf, &job.frame, &job.params, pos);

    gst_video_frame_unmap (&vf);
    return ok ? GST_FLOW_OK : GST_FLOW_ERROR;
  }
  if (!self->worker) {
    gboolean ok = gst_swin_classify_process (&job, self);

    gst_video_frame_unmap (&vf);
    if (!ok)
      return GST_FLOW_ERROR;
  } else {
    gboolean queued = gst_swin_worker_queue (self->worker, &job);

    gst_video_frame_unmap (&vf);
    if (!queued)
      GST_WARNING_OBJECT (self, "out of memory: frame %" G_GUINT64_FORMAT " not classified",
                          pos->index);
  }

attach:
  gst_swin_results_attach (&self->results, buf, pos->index);
  return GST_FLOW_OK;
}

static gboolean
gst_swin_classify_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  SwinPixelFormat format;
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps) ||
      !gst_swin_video_format_from_info (&info, &format)) {
    GST_ERROR_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT, incaps);
    return FALSE;
  }
  self->info = info;
  gst_swin_video_params_from_info (&info, gst_swin_infer_get_params (self->infer),
                                   &self->frame_params);
  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, incaps);
  return TRUE;
}

static gboolean
gst_swin_classify_src_event (GstBaseTransform *trans, GstEvent *event)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    GstClockTimeDiff diff;
    GstClockTime timestamp;

    /* Remember how late the sink is, but do not let GstBaseTransform see
     * it: it would drop late frames, and this element only skips their
     * inference so that the stream keeps every frame. */
    gst_event_parse_qos (event, NULL, NULL, &diff, &timestamp);
    GST_OBJECT_LOCK (self);
    if (diff < 0 && timestamp < (GstClockTime) -diff)
      self->earliest_time = 0;
    else
      self->earliest_time = timestamp + diff;
    GST_OBJECT_UNLOCK (self);
    return gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (trans), event);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->src_event (trans, event);
}

static gboolean
gst_swin_classify_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      GST_OBJECT_LOCK (self);
      self->earliest_time = GST_CLOCK_TIME_NONE;
      GST_OBJECT_UNLOCK (self);
      /* Frames and results from before a seek describe another position:
       * forget the last result and the queued frame; the result of the
       * frame being classified now is dropped when it arrives. */
      gst_swin_results_flush (&self->results);
      if (self->worker)
        gst_swin_worker_flush (self->worker);
      break;
    case GST_EVENT_EOS:
      /* Async mode: the messages of the frames already handed to the worker
       * precede EOS. */
      if (self->worker)
        gst_swin_worker_drain (self->worker);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_swin_classify_query (GstBaseTransform *trans, GstPadDirection direction, GstQuery *query)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  gboolean ret = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);

  if (ret && direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime min, max, ours = 0;
    gboolean live;

    GST_OBJECT_LOCK (self);
    /* Only sync mode holds frames back; async adds no latency. */
    if (self->run_mode == GST_SWIN_CLASSIFY_MODE_SYNC)
      ours = (GstClockTime) (self->latency_ms * GST_MSECOND);
    self->reported_latency = ours;
    GST_OBJECT_UNLOCK (self);
    gst_query_parse_latency (query, &live, &min, &max);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency", GST_TIME_ARGS (ours));
    gst_query_set_latency (query, live, min, max);
  }
  return ret;
}

void
gst_swin_classify_stream_class_init (GstBaseTransformClass *trans_class)
{
  parent_class = g_type_class_peek_parent (trans_class);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_swin_classify_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_swin_classify_transform_ip);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_swin_classify_src_event);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_swin_classify_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_swin_classify_query);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The streaming side of swinclassify: each buffer numbered, classified
 * (lent to the instance's runner: waiting for it, or not) or skipped
 * (inference-interval, QoS) and given the latest result (regions:
 * gstswinclassifyroilist.c); caps to the core's frame description; flush, EOS, QoS and the LATENCY
 * query. */
#include "gstswinclassifyprivate.h"
#include "gstswinvideo.h"
#include "swin/swin_model.h"

#define GST_CAT_DEFAULT gst_swin_classify_debug

static GstBaseTransformClass *parent_class;

GstSwinOutputSettings
gst_swin_classify_output_settings (GstSwinClassify *self)
{
  GstSwinOutputSettings out;

  GST_OBJECT_LOCK (self);
  out = (GstSwinOutputSettings) { self->top_k, self->threshold, self->post_messages,
                                  self->result_name.quark };
  GST_OBJECT_UNLOCK (self);
  return out;
}

/* The request for @n_rects regions of @frame (@rects NULL: the whole
 * frame), lent to the instance's runner. */
SwinRunnerRequest
gst_swin_classify_request (GstSwinClassify *self, const SwinFrame *frame, const SwinRect *rects,
                           guint n_rects)
{
  return (SwinRunnerRequest) {
    .frame = frame, .rects = rects, .n_rects = (int) n_rects, .params = &self->frame_params,
    .cpu_preprocess = self->cpu_preprocess, .want_features = self->run_features, .owner = self,
  };
}

/* Frames larger than the device can bind at once (8K RGBx on lavapipe)
 * were preprocessed on the CPU by the runner, which computes the same
 * function, slower: the caps accepted them, so they must not fail.  Said
 * once per size. */
void
gst_swin_classify_note_cpu (GstSwinClassify *self, SwinPreprocessedOn on, gint width, gint height)
{
  if (on != SWIN_PREPROCESSED_ON_CPU || self->cpu_preprocess)
    return;
  GST_OBJECT_LOCK (self);
  if (self->warned_width != width || self->warned_height != height)
    GST_WARNING_OBJECT (self, "%dx%d frames exceed what %s can bind at once: preprocessing them "
                        "on the CPU", width, height, self->model->device_name);
  self->warned_width = width;
  self->warned_height = height;
  GST_OBJECT_UNLOCK (self);
}

/* Counts one classified frame that took since @t0; TRUE when sync
 * inference got clearly slower than what the last LATENCY query reported
 * (live pipelines: the application should redistribute the latency). */
gboolean
gst_swin_classify_count (GstSwinClassify *self, gint64 t0)
{
  gboolean relatency = FALSE;

  GST_OBJECT_LOCK (self);
  self->frames_inferred++;
  self->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_SYNC &&
      GST_CLOCK_TIME_IS_VALID (self->reported_latency) &&
      self->latency_ms * GST_MSECOND > 1.25 * self->reported_latency) {
    self->reported_latency = GST_CLOCK_TIME_NONE;
    relatency = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  return relatency;
}

/* Keeps the result of the whole frame at @pos, from its @logits (and its
 * @features, NULL unless features=true), and posts its message: the last
 * step of both modes. */
static void
gst_swin_classify_deliver (GstSwinClassify *self, const gfloat *logits, const gfloat *features,
                           const GstSwinFramePosition *pos, gint64 t0)
{
  GstSwinOutputSettings out = gst_swin_classify_output_settings (self);
  GstStructure *result = gst_swin_labels_make_result (self->labels, logits, out.top_k,
                                                      out.threshold);
  GstStructure *msg = NULL;
  gboolean relatency = gst_swin_classify_count (self, t0);
  guint64 age;

  /* Copied before it is shared: the streaming thread may replace it. */
  if (out.post)
    msg = gst_structure_copy (result);
  if (!gst_swin_results_store (&self->results, result, features ?
          g_bytes_new (features, SWIN_ARCH_NUM_FEATURES (&self->model->arch) * sizeof (gfloat)) :
          NULL, pos, &age)) {
    GST_DEBUG_OBJECT (self, "result of frame %" G_GUINT64_FORMAT " dropped: flushed", pos->index);
    g_clear_pointer (&msg, gst_structure_free);
  }
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
        gst_swin_results_message (msg, pos, age)));
  if (relatency)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
}

/* Classifies @n_rects regions of @frame (@rects NULL: the whole frame, one
 * image), lent for the call: their logits (g_free() them, and *@features
 * with features=true, else NULL), or NULL after posting an error. */
gfloat *
gst_swin_classify_run (GstSwinClassify *self, const SwinFrame *frame, const SwinRect *rects,
                       guint n_rects, gfloat **features)
{
  SwinRunnerRequest request = gst_swin_classify_request (self, frame, rects, n_rects);
  guint n = rects ? n_rects : 1;
  gfloat *logits = g_try_new (gfloat, (gsize) n * self->model->arch.num_classes);
  SwinPreprocessedOn on;
  GError *error = NULL;

  *features = self->run_features ?
      g_try_new (gfloat, (gsize) n * SWIN_ARCH_NUM_FEATURES (&self->model->arch)) : NULL;
  if (!logits || (self->run_features && !*features)) {
    g_set_error (&error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for %u results", n);
  } else if (swin_runner_run_full (self->model->runner, &request, logits, *features, &on, &error)) {
    gst_swin_classify_note_cpu (self, on, frame->width, frame->height);
    return logits;
  }
  GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
  g_clear_error (&error);
  g_free (logits);
  g_clear_pointer (features, g_free);
  return NULL;
}

/* Sync mode: classifies @frame, lent for the call.  FALSE after posting an
 * error. */
static gboolean
gst_swin_classify_process (GstSwinClassify *self, const SwinFrame *frame,
                           const GstSwinFramePosition *pos)
{
  gint64 t0 = g_get_monotonic_time ();
  gfloat *features, *logits = gst_swin_classify_run (self, frame, NULL, 0, &features);

  if (!logits)
    return FALSE;
  gst_swin_classify_deliver (self, logits, features, pos, t0);
  g_free (logits);
  g_free (features);
  return TRUE;
}

/* An async request: the mapped buffer it lends, and where its frame is. */
typedef struct {
  GstSwinClassify *self;     /* not a reference: stop() detaches from the runner first */
  GstVideoFrame vf;          /* holds a reference to the buffer until released */
  gint width, height;
  GstSwinFramePosition position;
  gint64 t0;
} GstSwinAsyncJob;

static void
gst_swin_async_job_release (void *data)
{
  GstSwinAsyncJob *job = data;

  gst_video_frame_unmap (&job->vf);
}

/* On the runner's thread, after the release. */
static void
gst_swin_async_job_done (const SwinRunnerResult *result, void *data)
{
  GstSwinAsyncJob *job = data;
  GstSwinClassify *self = job->self;

  if (!result->error) {
    gst_swin_classify_note_cpu (self, result->preprocessed_on, job->width, job->height);
    gst_swin_classify_deliver (self, result->logits, result->features, &job->position, job->t0);
  } else if (g_error_matches (result->error, SWIN_ERROR, SWIN_ERROR_CANCELLED)) {
    /* replaced by a newer frame, flushed or stopped */
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " not classified: %s", job->position.index,
                    result->error->message);
  } else {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", result->error->message),
                       (NULL));
    g_atomic_int_set (&self->failed, TRUE);
  }
  g_free (job);
}

/* Async mode: lends @buf (mapped, referenced) to the runner, replacing this
 * element's frame still waiting, and returns at once. */
static gboolean
gst_swin_classify_submit (GstSwinClassify *self, GstBuffer *buf, const GstSwinFramePosition *pos)
{
  GstSwinAsyncJob *job = g_new0 (GstSwinAsyncJob, 1);
  SwinRunnerRequest request;
  SwinFrame frame;
  GError *error = NULL;

  job->self = self;
  job->position = *pos;
  job->t0 = g_get_monotonic_time ();
  if (!gst_video_frame_map (&job->vf, &self->info, buf, GST_MAP_READ)) {
    g_free (job);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
    return FALSE;
  }
  gst_swin_video_frame_describe (&job->vf, &frame);
  job->width = frame.width;
  job->height = frame.height;
  request = gst_swin_classify_request (self, &frame, NULL, 0);
  request.replace_waiting = TRUE;
  request.release = gst_swin_async_job_release;
  request.release_data = job;
  if (!swin_runner_submit (self->model->runner, &request, gst_swin_async_job_done, job, &error)) {
    gst_video_frame_unmap (&job->vf);
    g_free (job);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  return TRUE;
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
  GstSwinFramePosition pos;
  GstVideoFrame vf;
  SwinFrame frame;
  guint interval;
  gboolean ok, may_infer;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  gst_swin_results_next_frame (&self->results, &pos);
  if (g_atomic_int_get (&self->failed))
    return GST_FLOW_ERROR;

  pos.pts = GST_BUFFER_PTS (buf);
  pos.duration = GST_BUFFER_DURATION (buf);
  pos.running_time = pos.stream_time = GST_CLOCK_TIME_NONE;
  if (trans->segment.format == GST_FORMAT_TIME) {
    pos.running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pos.pts);
    pos.stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pos.pts);
  }

  may_infer = pos.index % interval == 0;
  if (may_infer && gst_swin_classify_is_late (self, pos.running_time)) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT " is late: not classified", pos.index);
    may_infer = FALSE;
  }
  /* Regions are tracked on every frame, classified or not. */
  if (self->run_region == GST_SWIN_CLASSIFY_REGION_ROI_LIST)
    return gst_swin_classify_process_regions (self, buf, &pos, may_infer) ? GST_FLOW_OK
                                                                         : GST_FLOW_ERROR;
  if (!may_infer)
    goto attach;
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_ASYNC) {
    /* The latest result first: once lent, the buffer is not writable. */
    gst_swin_results_attach (&self->results, buf, pos.index);
    return gst_swin_classify_submit (self, buf, &pos) ? GST_FLOW_OK : GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&vf, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  gst_swin_video_frame_describe (&vf, &frame);
  ok = gst_swin_classify_process (self, &frame, &pos);
  gst_video_frame_unmap (&vf);
  if (!ok)
    return GST_FLOW_ERROR;

attach:
  gst_swin_results_attach (&self->results, buf, pos.index);
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
  /* Boxes of another frame size describe other places. */
  if (self->tracker)
    gst_swin_tracker_clear (self->tracker);
  gst_swin_video_params_from_info (&info, &self->params, &self->frame_params);
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
       * forget the last result and the frame waiting; the result of the
       * frame being classified now is dropped when it arrives. */
      gst_swin_results_flush (&self->results);
      if (self->tracker)
        gst_swin_tracker_clear (self->tracker);
      if (self->instance)
        swin_runner_withdraw (self->model->runner, self);
      break;
    case GST_EVENT_EOS:
      /* Async mode: the messages of the frames already submitted precede
       * EOS. */
      if (self->instance && self->run_mode == GST_SWIN_CLASSIFY_MODE_ASYNC)
        swin_runner_drain (self->model->runner, self);
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

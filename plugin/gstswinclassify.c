/**
 * SECTION:element-swinclassify
 * @title: swinclassify
 *
 * Classifies every Nth video frame with a Swin Transformer (safetensors
 * checkpoint: torchvision, timm or the original Microsoft layout) running in
 * Vulkan compute shaders.  The pixels pass through untouched; the top-k
 * classes (softmax probabilities) are attached to each buffer as a
 * GstCustomMeta named "GstSwinClassifyMeta" (read it with the header-only
 * API in <gst/swin/gstswinmeta.h>) and, for every inferred frame, posted on
 * the bus as an element message named "swinclassify".
 *
 * The weights are stored in fp32, or in fp16 with #GstSwinClassify:precision
 * (the arithmetic is fp32 either way).  A device that cannot hold fp16
 * weights makes the element fail to start with an error naming the device:
 * there is no silent fallback.
 *
 * Frames are preprocessed on the device: colour conversion, resize
 * (bilinear, antialiased when shrinking; #GstSwinClassify:scale-mode) and
 * normalisation (#GstSwinClassify:mean, #GstSwinClassify:std).
 *
 * In sync mode each inferred frame waits for its result and the element adds
 * the measured inference time to the pipeline latency.  In async mode frames
 * never wait: a worker thread classifies the newest frame and results attach
 * to later frames, with their age in frames.  With qos=true, inference is
 * skipped (the frame still passes) for frames that are already late.
 * A flush (seek) forgets the queued frame and the last result; results of
 * frames from before it are dropped.  At EOS, async mode first waits for the
 * frame being classified, so that its message precedes the EOS.
 *
 * The settings that gst-inspect marks as changeable only in NULL or READY
 * (model, labels, device, mode, scale-mode, mean, std, pre-process-backend,
 * precision) are read when the element starts.  Set while PAUSED or PLAYING
 * they are stored, a warning is logged, and they take effect the next time
 * the element starts (READY -> PAUSED).  The model file is read completely at
 * start: replacing, truncating or deleting it afterwards does not affect the
 * running element; the next start reports a file that no longer loads.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=10 ! swinclassify model=swin_t.safetensors ! fakesink
 * gst-launch-1.0 -m v4l2src ! videoconvert ! swinclassify model=swin_t.safetensors mode=async ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#include "gstswinclassify.h"
#include "gstswinmetaprivate.h"

#include <gio/gio.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin/swin_preprocess.h"

GST_DEBUG_CATEGORY_STATIC (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

#define LABELS_RESOURCE "/org/swinclassify/imagenet_labels.txt"

typedef enum {
  GST_SWIN_CLASSIFY_MODE_SYNC,
  GST_SWIN_CLASSIFY_MODE_ASYNC,
} GstSwinClassifyMode;

typedef enum {
  GST_SWIN_CLASSIFY_BACKEND_GPU,
  GST_SWIN_CLASSIFY_BACKEND_CPU,
} GstSwinClassifyBackend;

#define DEFAULT_TOP_K 5
#define MAX_TOP_K 1000
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_MODE GST_SWIN_CLASSIFY_MODE_SYNC
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_SCALE_MODE SWIN_SCALE_CENTER_CROP
#define DEFAULT_BACKEND GST_SWIN_CLASSIFY_BACKEND_GPU
#define DEFAULT_PRECISION SWIN_PRECISION_FP32

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_DEVICE,
  PROP_INFERENCE_INTERVAL,
  PROP_MODE,
  PROP_POST_MESSAGES,
  PROP_SCALE_MODE,
  PROP_MEAN,
  PROP_STD,
  PROP_PRE_PROCESS_BACKEND,
  PROP_PRECISION,
  PROP_FRAMES_INFERRED,
  PROP_LATENCY_MS,
};

/* Timestamps of a frame, for the bus message. */
typedef struct {
  GstClockTime pts, duration, running_time, stream_time;
} GstSwinFrameTimes;

/* A frame copied for the async worker: the planes packed in @pixels. */
typedef struct {
  guint8 *pixels;
  gsize capacity;
  SwinFrame frame;
  SwinPreprocessParams params;
  guint64 index;
  guint flush_seq;                /* GstSwinClassify.flush_seq when queued */
  GstSwinFrameTimes times;
} GstSwinPendingFrame;

struct _GstSwinClassify {
  GstBaseTransform parent;

  /* Properties and statistics: object lock. */
  gchar *model_path;
  gchar *labels_path;
  gchar *device;
  guint top_k;
  gdouble threshold;
  guint interval;
  GstSwinClassifyMode mode;
  gboolean post_messages;
  SwinScaleMode scale_mode;
  gchar *mean;
  gchar *std;
  GstSwinClassifyBackend backend;
  SwinPrecision precision;
  guint64 frames_inferred;
  gdouble latency_ms;
  gboolean running;               /* between a successful start() and stop() */
  GstClockTime reported_latency;  /* what the last LATENCY query added */
  GstClockTime earliest_time;     /* from QoS events; running time */

  /* Set in start(), released in stop(); read-only in between. */
  SwinContext *ctx;
  SwinNet *net;
  SwinPlan *plan;
  gint size;                      /* the model's square input resolution */
  gint num_classes;
  gchar *model_name;
  gchar **labels;
  SwinPreprocessParams params;    /* scale mode, mean, std (colours come from the caps) */
  GstSwinClassifyMode run_mode;
  GstSwinClassifyBackend run_backend;

  /* The plan, the device preprocessing and scratch: infer_lock. */
  GMutex infer_lock;
  SwinPreprocessor *pp;
  gfloat *probs;
  gint *order;

  /* Streaming thread only. */
  GstVideoInfo info;
  SwinPixelFormat format;
  SwinPreprocessParams frame_params;

  /* Results, frame count and the async worker: result_lock. */
  GMutex result_lock;
  GCond cond;                     /* a frame was queued, or stopping */
  GCond idle_cond;                /* the worker finished a frame */
  guint64 n_frames;               /* frames seen since start() */
  GstStructure *result;           /* latest result, fields of gstswinmeta.h */
  guint64 result_index;           /* the frame it was computed on */
  GThread *worker;
  gboolean stopping;
  gboolean worker_failed;
  gboolean have_pending;
  gboolean busy;                  /* the worker is classifying `working` */
  guint flush_seq;                /* FLUSH_STOPs seen: results of older frames are dropped */
  GstSwinPendingFrame pending;    /* newest frame waiting for the worker */
  GstSwinPendingFrame working;    /* the worker's frame */
};

#define gst_swin_classify_parent_class parent_class
G_DEFINE_TYPE (GstSwinClassify, gst_swin_classify, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (swinclassify, "swinclassify", GST_RANK_NONE, GST_TYPE_SWIN_CLASSIFY);

#define VIDEO_FORMATS "{ RGB, RGBA, RGBx, BGR, BGRA, BGRx, I420, NV12 }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

#define GST_TYPE_SWIN_CLASSIFY_MODE (gst_swin_classify_mode_get_type ())
static GType
gst_swin_classify_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_CLASSIFY_MODE_SYNC, "Each inferred frame waits for its result", "sync" },
    { GST_SWIN_CLASSIFY_MODE_ASYNC,
      "Frames never wait; a worker classifies the newest frame and results attach to later "
      "frames", "async" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyMode", values));
  return type;
}

#define GST_TYPE_SWIN_CLASSIFY_SCALE_MODE (gst_swin_classify_scale_mode_get_type ())
static GType
gst_swin_classify_scale_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { SWIN_SCALE_CENTER_CROP,
      "Resize the short side to the model resolution and crop the centre "
      "(torchvision Resize(S) + CenterCrop(S))", "center-crop" },
    { SWIN_SCALE_STRETCH, "Resize both axes to the model resolution", "stretch" },
    { SWIN_SCALE_LETTERBOX, "Fit the whole frame, pad with the mean colour", "letterbox" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyScaleMode", values));
  return type;
}

#define GST_TYPE_SWIN_CLASSIFY_BACKEND (gst_swin_classify_backend_get_type ())
static GType
gst_swin_classify_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_CLASSIFY_BACKEND_GPU, "Compute shader on the Vulkan device", "gpu" },
    { GST_SWIN_CLASSIFY_BACKEND_CPU, "CPU reference implementation", "cpu" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyBackend", values));
  return type;
}

#define GST_TYPE_SWIN_CLASSIFY_PRECISION (gst_swin_classify_precision_get_type ())
static GType
gst_swin_classify_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { SWIN_PRECISION_FP32, "fp32 weights", "fp32" },
    { SWIN_PRECISION_FP16, "fp16 weights (half the memory; fp32 arithmetic). Devices without "
      "fp16 texel buffers refuse to start", "fp16" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyPrecision", values));
  return type;
}

/* ---- settings ---- */

/* Parses "r,g,b" into three finite floats. */
/* Splits @text into exactly @n labels (one per line; "\r\n" accepted,
 * trailing empty lines ignored). */
static gchar **
parse_labels (const gchar *text, gsize len, gint n, const gchar *source, GError **error)
{
  gchar *copy = g_strndup (text, len);
  gchar **lines = g_strsplit (copy, "\n", -1);
  guint count = g_strv_length (lines);

  g_free (copy);
  for (guint i = 0; i < count; i++)
    g_strchomp (lines[i]);
  while (count > 0 && lines[count - 1][0] == '\0') {
    g_free (lines[count - 1]);
    lines[--count] = NULL;
  }
  if (count != (guint) n) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "%s has %u labels but the model has %d classes", source, count, n);
    g_strfreev (lines);
    return NULL;
  }
  return lines;
}

static gchar **
load_labels (const gchar *path, gint n, GError **error)
{
  gchar **labels, *text, *source;
  gsize len;
  GBytes *bytes;

  if (path && *path) {
    if (!g_file_get_contents (path, &text, &len, error))
      return NULL;
    source = g_strdup_printf ("Label file \"%s\"", path);
    labels = parse_labels (text, len, n, source, error);
    g_free (source);
    g_free (text);
    return labels;
  }
  if (n == 1000 && (bytes = g_resources_lookup_data (LABELS_RESOURCE, 0, NULL))) {
    const gchar *data = g_bytes_get_data (bytes, &len);

    labels = parse_labels (data, len, n, "The built-in ImageNet label list", error);
    g_bytes_unref (bytes);
    return labels;
  }
  labels = g_new0 (gchar *, n + 1);
  for (gint i = 0; i < n; i++)
    labels[i] = g_strdup_printf ("class %d", i);
  return labels;
}

/* ---- inference ---- */

static void
fill_frame (SwinFrame *f, SwinPixelFormat format, const GstVideoFrame *vf)
{
  memset (f, 0, sizeof (*f));
  f->format = format;
  f->width = GST_VIDEO_FRAME_WIDTH (vf);
  f->height = GST_VIDEO_FRAME_HEIGHT (vf);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (vf) && p < 3; p++) {
    f->data[p] = GST_VIDEO_FRAME_PLANE_DATA (vf, p);
    f->stride[p] = (size_t) MAX (GST_VIDEO_FRAME_PLANE_STRIDE (vf, p), 0);
  }
}

/* Preprocesses @frame, runs the forward and returns the result structure
 * (fields of gstswinmeta.h, no age).  Any thread; serialised by infer_lock. */
static GstStructure *
gst_swin_classify_infer (GstSwinClassify *self, const SwinFrame *frame,
                         const SwinPreprocessParams *params, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  gboolean ok;
  guint top_k;
  gdouble threshold;
  gint k;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);
  k = MIN ((gint) top_k, self->num_classes);

  g_mutex_lock (&self->infer_lock);
  if (self->run_backend == GST_SWIN_CLASSIFY_BACKEND_GPU) {
    if (!self->pp)
      self->pp = swin_preprocessor_new (self->plan, error);
    ok = self->pp && swin_preprocessor_add_frame (self->pp, frame, error) == 0 &&
         swin_preprocessor_add_image (self->pp, 0, NULL, params, error) &&
         swin_preprocessor_run (self->pp, error);
    if (!ok && self->pp)
      swin_preprocessor_reset (self->pp);
  } else {
    ok = swin_cpu_preprocess (frame, params, self->size, self->size,
                              swin_plan_get_input (self->plan), error) &&
         swin_plan_run (self->plan, error);
  }
  if (ok) {
    memcpy (self->probs, swin_plan_get_logits (self->plan), self->num_classes * sizeof (gfloat));
    swin_softmax (self->probs, self->num_classes);
    swin_topk (self->probs, self->num_classes, k, self->order);
  }

  if (ok) {
    g_value_init (&ids, GST_TYPE_ARRAY);
    g_value_init (&labels, GST_TYPE_ARRAY);
    g_value_init (&scores, GST_TYPE_ARRAY);
    for (gint i = 0; i < k && self->probs[self->order[i]] >= threshold; i++) {
      gint c = self->order[i];

      g_value_init (&v, G_TYPE_INT);
      g_value_set_int (&v, c);
      gst_value_array_append_and_take_value (&ids, &v);
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, self->labels[c]);
      gst_value_array_append_and_take_value (&labels, &v);
      g_value_init (&v, G_TYPE_DOUBLE);
      g_value_set_double (&v, self->probs[c]);
      gst_value_array_append_and_take_value (&scores, &v);
    }
  }
  g_mutex_unlock (&self->infer_lock);
  if (!ok)
    return NULL;

  s = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING,
                         self->model_name, NULL);
  gst_structure_take_value (s, GST_SWIN_FIELD_CLASS_IDS, &ids);
  gst_structure_take_value (s, GST_SWIN_FIELD_LABELS, &labels);
  gst_structure_take_value (s, GST_SWIN_FIELD_SCORES, &scores);

  GST_OBJECT_LOCK (self);
  self->frames_inferred++;
  self->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  return s;
}

/* Makes @result (owned) the latest result, computed on frame @index, and
 * posts the bus message; drops it if a FLUSH_STOP came after the frame was
 * taken (@seq: flush_seq then), since the stream has moved elsewhere. */
static void
gst_swin_classify_publish (GstSwinClassify *self, GstStructure *result, guint64 index,
                           guint seq, const GstSwinFrameTimes *t)
{
  GstStructure *msg = NULL;
  gboolean post, relatency = FALSE;
  guint64 age;

  GST_OBJECT_LOCK (self);
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (post)
    msg = gst_structure_copy (result);

  g_mutex_lock (&self->result_lock);
  if (seq != self->flush_seq) {
    g_mutex_unlock (&self->result_lock);
    GST_DEBUG_OBJECT (self, "result of frame %" G_GUINT64_FORMAT " dropped: flushed", index);
    gst_structure_free (result);
    if (msg)
      gst_structure_free (msg);
    return;
  }
  if (self->result)
    gst_structure_free (self->result);
  self->result = result;
  self->result_index = index;
  age = self->n_frames > index ? self->n_frames - 1 - index : 0;
  g_mutex_unlock (&self->result_lock);

  GST_OBJECT_LOCK (self);
  /* Live pipelines: when sync inference got clearly slower than what the
   * last LATENCY query reported, ask the application to redistribute. */
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_SYNC &&
      GST_CLOCK_TIME_IS_VALID (self->reported_latency) &&
      self->latency_ms * GST_MSECOND > 1.25 * self->reported_latency) {
    self->reported_latency = GST_CLOCK_TIME_NONE;
    relatency = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (msg) {
    gst_structure_set_name (msg, GST_SWIN_MESSAGE_NAME);
    gst_structure_set (msg, GST_SWIN_FIELD_AGE, G_TYPE_UINT, (guint) MIN (age, G_MAXUINT),
                       GST_SWIN_FIELD_FRAME, G_TYPE_UINT64, index,
                       "timestamp", G_TYPE_UINT64, t->pts,
                       "stream-time", G_TYPE_UINT64, t->stream_time,
                       "running-time", G_TYPE_UINT64, t->running_time,
                       "duration", G_TYPE_UINT64, t->duration, NULL);
    gst_element_post_message (GST_ELEMENT (self),
                              gst_message_new_element (GST_OBJECT (self), msg));
  }
  if (relatency)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
}

static gpointer
gst_swin_classify_worker (gpointer data)
{
  GstSwinClassify *self = data;

  g_mutex_lock (&self->result_lock);
  for (;;) {
    GstSwinPendingFrame tmp;
    GstStructure *result;
    GError *error = NULL;

    while (!self->stopping && !self->have_pending)
      g_cond_wait (&self->cond, &self->result_lock);
    if (self->stopping)
      break;
    /* Take the newest frame; the streaming thread may queue the next one
     * into the other slot meanwhile. */
    tmp = self->working;
    self->working = self->pending;
    self->pending = tmp;
    self->have_pending = FALSE;
    self->busy = TRUE;
    g_mutex_unlock (&self->result_lock);

    result = gst_swin_classify_infer (self, &self->working.frame, &self->working.params, &error);
    if (!result) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
      g_clear_error (&error);
      g_mutex_lock (&self->result_lock);
      self->worker_failed = TRUE;
      break;
    }
    gst_swin_classify_publish (self, result, self->working.index, self->working.flush_seq,
                               &self->working.times);
    g_mutex_lock (&self->result_lock);
    self->busy = FALSE;
    g_cond_broadcast (&self->idle_cond);
  }
  self->busy = FALSE;
  g_cond_broadcast (&self->idle_cond);
  g_mutex_unlock (&self->result_lock);
  return NULL;
}

/* Copies @frame into the pending slot for the worker, replacing an older
 * frame it has not started on.  Called with result_lock held. */
static gboolean
queue_frame (GstSwinClassify *self, const SwinFrame *frame, guint64 index,
             const GstSwinFrameTimes *times)
{
  GstSwinPendingFrame *p = &self->pending;
  gsize offset[3], row[3], total = 0;
  gint rows[3];
  gint n = swin_pixel_format_n_planes (frame->format);

  for (gint i = 0; i < n; i++) {
    swin_pixel_format_plane_size (frame->format, i, frame->width, frame->height, &row[i], &rows[i]);
    offset[i] = total;
    total += row[i] * rows[i];
  }
  if (p->capacity < total) {
    g_free (p->pixels);
    p->pixels = g_try_malloc (total);
    p->capacity = p->pixels ? total : 0;
    if (!p->pixels)
      return FALSE;
  }
  memset (&p->frame, 0, sizeof (p->frame));
  p->frame.format = frame->format;
  p->frame.width = frame->width;
  p->frame.height = frame->height;
  for (gint i = 0; i < n; i++) {
    for (gint y = 0; y < rows[i]; y++)
      memcpy (p->pixels + offset[i] + y * row[i], frame->data[i] + y * frame->stride[i], row[i]);
    p->frame.data[i] = p->pixels + offset[i];
    p->frame.stride[i] = row[i];
  }
  p->params = self->frame_params;
  p->index = index;
  p->flush_seq = self->flush_seq;
  p->times = *times;
  self->have_pending = TRUE;
  g_cond_signal (&self->cond);
  return TRUE;
}

/* Whether the frame starting at running time @rt is already late for the
 * sink, from the last QoS event. */
static gboolean
is_late (GstSwinClassify *self, GstClockTime rt)
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
  GstSwinFrameTimes times;
  GstStructure *result = NULL;
  gboolean infer, failed;
  guint64 index, age = 0;
  guint interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->result_lock);
  index = self->n_frames++;
  failed = self->worker_failed;
  g_mutex_unlock (&self->result_lock);
  if (failed)
    return GST_FLOW_ERROR;

  times.pts = GST_BUFFER_PTS (buf);
  times.duration = GST_BUFFER_DURATION (buf);
  times.running_time = times.stream_time = GST_CLOCK_TIME_NONE;
  if (trans->segment.format == GST_FORMAT_TIME) {
    times.running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, times.pts);
    times.stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, times.pts);
  }

  infer = index % interval == 0;
  if (infer && is_late (self, times.running_time)) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT " is late: not classified", index);
    infer = FALSE;
  }

  if (infer) {
    GstVideoFrame vf;
    SwinFrame frame;
    GError *error = NULL;

    if (!gst_video_frame_map (&vf, &self->info, buf, GST_MAP_READ)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
      return GST_FLOW_ERROR;
    }
    fill_frame (&frame, self->format, &vf);
    if (self->run_mode == GST_SWIN_CLASSIFY_MODE_SYNC) {
      result = gst_swin_classify_infer (self, &frame, &self->frame_params, &error);
      gst_video_frame_unmap (&vf);
      if (!result) {
        GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message),
                           (NULL));
        g_clear_error (&error);
        return GST_FLOW_ERROR;
      }
      gst_swin_classify_publish (self, result, index, self->flush_seq, &times);
    } else {
      gboolean queued;

      g_mutex_lock (&self->result_lock);
      queued = queue_frame (self, &frame, index, &times);
      g_mutex_unlock (&self->result_lock);
      gst_video_frame_unmap (&vf);
      if (!queued)
        GST_WARNING_OBJECT (self, "out of memory: frame %" G_GUINT64_FORMAT " not classified",
                            index);
    }
  }

  g_mutex_lock (&self->result_lock);
  if (self->result) {
    result = gst_structure_copy (self->result);
    age = index - self->result_index;
  } else {
    result = NULL;
  }
  g_mutex_unlock (&self->result_lock);
  if (result) {
    gst_buffer_add_swin_result (buf, result, (guint) MIN (age, G_MAXUINT), index);
    gst_structure_free (result);
  }
  return GST_FLOW_OK;
}

/* ---- caps, events, queries ---- */

static gboolean
gst_swin_classify_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps))
    return FALSE;
  switch (GST_VIDEO_INFO_FORMAT (&info)) {
    case GST_VIDEO_FORMAT_RGB: self->format = SWIN_PIXEL_FORMAT_RGB; break;
    case GST_VIDEO_FORMAT_BGR: self->format = SWIN_PIXEL_FORMAT_BGR; break;
    case GST_VIDEO_FORMAT_RGBA: self->format = SWIN_PIXEL_FORMAT_RGBA; break;
    case GST_VIDEO_FORMAT_RGBx: self->format = SWIN_PIXEL_FORMAT_RGBX; break;
    case GST_VIDEO_FORMAT_BGRA: self->format = SWIN_PIXEL_FORMAT_BGRA; break;
    case GST_VIDEO_FORMAT_BGRx: self->format = SWIN_PIXEL_FORMAT_BGRX; break;
    case GST_VIDEO_FORMAT_I420: self->format = SWIN_PIXEL_FORMAT_I420; break;
    case GST_VIDEO_FORMAT_NV12: self->format = SWIN_PIXEL_FORMAT_NV12; break;
    default:
      GST_ERROR_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT, incaps);
      return FALSE;
  }
  self->info = info;
  self->frame_params = self->params;
  switch (info.colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709: self->frame_params.matrix = SWIN_COLOR_MATRIX_BT709; break;
    case GST_VIDEO_COLOR_MATRIX_BT2020: self->frame_params.matrix = SWIN_COLOR_MATRIX_BT2020; break;
    default: self->frame_params.matrix = SWIN_COLOR_MATRIX_BT601; break;
  }
  self->frame_params.full_range = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
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
       * forget the queued frame and the last result, and make the worker
       * drop what it is classifying now. */
      g_mutex_lock (&self->result_lock);
      self->flush_seq++;
      self->have_pending = FALSE;
      g_clear_pointer (&self->result, gst_structure_free);
      g_mutex_unlock (&self->result_lock);
      break;
    case GST_EVENT_EOS:
      /* Async mode: let the worker finish the frames already handed to it,
       * so that their messages reach the bus before EOS. */
      g_mutex_lock (&self->result_lock);
      while (self->worker && (self->have_pending || self->busy) && !self->worker_failed)
        g_cond_wait (&self->idle_cond, &self->result_lock);
      g_mutex_unlock (&self->result_lock);
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

/* ---- lifecycle ---- */

static void
gst_swin_classify_release (GstSwinClassify *self)
{
  if (self->worker) {
    g_mutex_lock (&self->result_lock);
    self->stopping = TRUE;
    g_cond_signal (&self->cond);
    g_mutex_unlock (&self->result_lock);
    g_thread_join (self->worker);
    self->worker = NULL;
  }
  g_clear_pointer (&self->pp, swin_preprocessor_free);
  g_clear_pointer (&self->plan, swin_plan_free);
  g_clear_pointer (&self->net, swin_net_free);
  g_clear_pointer (&self->ctx, swin_context_free);
  g_clear_pointer (&self->model_name, g_free);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->probs, g_free);
  g_clear_pointer (&self->order, g_free);
  g_clear_pointer (&self->result, gst_structure_free);
  g_clear_pointer (&self->pending.pixels, g_free);
  g_clear_pointer (&self->working.pixels, g_free);
  self->pending.capacity = self->working.capacity = 0;
  self->have_pending = FALSE;
  self->stopping = FALSE;
  self->worker_failed = FALSE;
  GST_OBJECT_LOCK (self);
  self->running = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_swin_classify_start (GstBaseTransform *trans)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  gchar *model_path, *labels_path, *device, *mean, *std;
  SwinPrecision precision;
  SwinModel *model = NULL;
  const SwinArch *arch;
  GError *error = NULL;
  gint64 t0;

  GST_OBJECT_LOCK (self);
  model_path = g_strdup (self->model_path);
  labels_path = g_strdup (self->labels_path);
  device = g_strdup (self->device);
  mean = g_strdup (self->mean);
  std = g_strdup (self->std);
  swin_preprocess_params_init (&self->params);
  self->params.scale_mode = self->scale_mode;
  self->run_mode = self->mode;
  self->run_backend = self->backend;
  precision = self->precision;
  self->frames_inferred = 0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->reported_latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  self->n_frames = 0;

  if (!model_path || !*model_path) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No model set"),
                       ("Set the \"model\" property to a Swin Transformer .safetensors file"));
    goto fail;
  }
  model = swin_model_load (model_path, &error);
  if (!model) {
    if (error->code == SWIN_ERROR_IO)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
                         ("Could not load model \"%s\": %s", model_path, error->message), (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
                         ("Could not load model \"%s\": %s", model_path, error->message), (NULL));
    goto fail;
  }
  /* mean/std left unset: the checkpoint's own, else ImageNet's (params_init). */
  {
    gfloat model_mean[3], model_std[3];

    if (swin_model_get_normalization (model, model_mean, model_std)) {
      memcpy (self->params.mean, model_mean, sizeof (model_mean));
      memcpy (self->params.std, model_std, sizeof (model_std));
    }
  }
  if ((mean && !swin_parse_floats (mean, self->params.mean, 3)) ||
      (std && !swin_parse_floats (std, self->params.std, 3)) ||
      !swin_check_normalization (self->params.mean, self->params.std, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
                       ("Invalid mean \"%s\" or std \"%s\": %s", GST_STR_NULL (mean),
                        GST_STR_NULL (std),
                        error ? error->message : "expected three numbers \"r,g,b\""), (NULL));
    goto fail;
  }
  arch = swin_model_get_arch (model);
  self->size = arch->img_size;
  self->num_classes = arch->num_classes;
  self->model_name = g_strdup (swin_model_get_name (model));
  self->labels = load_labels (labels_path, self->num_classes, &error);
  if (!self->labels) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
    goto fail;
  }

  self->ctx = swin_context_new (device, &error);
  if (!self->ctx) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No usable Vulkan device: %s", error->message),
                       (NULL));
    goto fail;
  }
  /* No fallback to fp32 when the device cannot hold fp16: the error says
   * so, and the user chooses. */
  self->net = swin_net_new_full (self->ctx, model, precision, &error);
  if (self->net)
    self->plan = swin_plan_new (self->net, 1, self->size, self->size, &error);
  if (!self->plan) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
                       ("Could not set up the model on %s: %s",
                        swin_context_get_device_name (self->ctx), error->message), (NULL));
    goto fail;
  }
  g_clear_pointer (&model, swin_model_free);
  self->probs = g_new0 (gfloat, self->num_classes);
  self->order = g_new0 (gint, self->num_classes);

  /* One forward on a blank input: compiles what the driver compiles lazily
   * and gives the LATENCY query a measured value before the first frame. */
  memset (swin_plan_get_input (self->plan), 0, (size_t) 3 * self->size * self->size * sizeof (gfloat));
  t0 = g_get_monotonic_time ();
  if (!swin_plan_run (self->plan, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Inference failed: %s", error->message), (NULL));
    goto fail;
  }
  GST_OBJECT_LOCK (self);
  self->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "model %s (%d classes, %dx%d) on %s; warm-up %.1f ms",
                   self->model_name, self->num_classes, self->size, self->size,
                   swin_context_get_device_name (self->ctx), self->latency_ms);

  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_ASYNC) {
    self->worker = g_thread_try_new ("swinclassify", gst_swin_classify_worker, self, &error);
    if (!self->worker) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not start a thread: %s", error->message),
                         (NULL));
      goto fail;
    }
  }

  GST_OBJECT_LOCK (self);
  self->running = TRUE;
  GST_OBJECT_UNLOCK (self);
  g_free (model_path);
  g_free (labels_path);
  g_free (device);
  g_free (mean);
  g_free (std);
  return TRUE;

fail:
  g_clear_error (&error);
  swin_model_free (model);
  gst_swin_classify_release (self);
  g_free (model_path);
  g_free (labels_path);
  g_free (device);
  g_free (mean);
  g_free (std);
  return FALSE;
}

static gboolean
gst_swin_classify_stop (GstBaseTransform *trans)
{
  gst_swin_classify_release (GST_SWIN_CLASSIFY (trans));
  return TRUE;
}

/* ---- GObject ---- */

static void
gst_swin_classify_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (object);
  gboolean deferred;

  GST_OBJECT_LOCK (self);
  /* GStreamer does not enforce GST_PARAM_MUTABLE_READY: the element reads
   * these settings in start() only, so a change while running is kept for
   * the next start and said so. */
  deferred = self->running && (pspec->flags & GST_PARAM_MUTABLE_READY);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      g_free (self->labels_path);
      self->labels_path = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      break;
    case PROP_DEVICE:
      g_free (self->device);
      self->device = g_value_dup_string (value);
      break;
    case PROP_INFERENCE_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_SCALE_MODE:
      self->scale_mode = g_value_get_enum (value);
      break;
    case PROP_MEAN:
      g_free (self->mean);
      self->mean = g_value_dup_string (value);
      break;
    case PROP_STD:
      g_free (self->std);
      self->std = g_value_dup_string (value);
      break;
    case PROP_PRE_PROCESS_BACKEND:
      self->backend = g_value_get_enum (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (deferred)
    GST_WARNING_OBJECT (self, "\"%s\" changed while running: takes effect the next time the "
                        "element starts (READY -> PAUSED)", pspec->name);
}

static void
gst_swin_classify_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL: g_value_set_string (value, self->model_path); break;
    case PROP_LABELS: g_value_set_string (value, self->labels_path); break;
    case PROP_TOP_K: g_value_set_uint (value, self->top_k); break;
    case PROP_THRESHOLD: g_value_set_double (value, self->threshold); break;
    case PROP_DEVICE: g_value_set_string (value, self->device); break;
    case PROP_INFERENCE_INTERVAL: g_value_set_uint (value, self->interval); break;
    case PROP_MODE: g_value_set_enum (value, self->mode); break;
    case PROP_POST_MESSAGES: g_value_set_boolean (value, self->post_messages); break;
    case PROP_SCALE_MODE: g_value_set_enum (value, self->scale_mode); break;
    case PROP_MEAN: g_value_set_string (value, self->mean); break;
    case PROP_STD: g_value_set_string (value, self->std); break;
    case PROP_PRE_PROCESS_BACKEND: g_value_set_enum (value, self->backend); break;
    case PROP_PRECISION: g_value_set_enum (value, self->precision); break;
    case PROP_FRAMES_INFERRED: g_value_set_uint64 (value, self->frames_inferred); break;
    case PROP_LATENCY_MS: g_value_set_double (value, self->latency_ms); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_swin_classify_finalize (GObject *object)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (object);

  gst_swin_classify_release (self);
  g_free (self->model_path);
  g_free (self->labels_path);
  g_free (self->device);
  g_free (self->mean);
  g_free (self->std);
  g_mutex_clear (&self->infer_lock);
  g_mutex_clear (&self->result_lock);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->idle_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_swin_classify_class_init (GstSwinClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags playing = rw | GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_swin_classify_debug, "swinclassify", 0,
                           "Swin Transformer classification");
  gst_swin_meta_register ();

  gobject_class->set_property = gst_swin_classify_set_property;
  gobject_class->get_property = gst_swin_classify_get_property;
  gobject_class->finalize = gst_swin_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the Swin Transformer checkpoint (.safetensors; torchvision, timm or original "
          "layout). Required", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Label file, one label per line, as many lines as the model has classes. Default: the "
          "ImageNet-1k class names for 1000-class models, else \"class N\"", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k", "Number of best classes to report",
          1, MAX_TOP_K, DEFAULT_TOP_K, playing));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Minimum score (softmax probability) of a reported class", 0.0, 1.0, DEFAULT_THRESHOLD,
          playing));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device",
          "Vulkan device: an index, or a case-insensitive substring of its name. Default: the "
          "first discrete GPU, else the first device", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval",
          "Classify every Nth frame; the frames in between carry the last result with its age",
          1, G_MAXUINT, DEFAULT_INTERVAL, playing));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Whether frames wait for their result",
          GST_TYPE_SWIN_CLASSIFY_MODE, DEFAULT_MODE, ready));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"swinclassify\" element message for every inferred frame",
          DEFAULT_POST_MESSAGES, playing));
  g_object_class_install_property (gobject_class, PROP_SCALE_MODE,
      g_param_spec_enum ("scale-mode", "Scale mode",
          "How the frame is fitted to the model's square input",
          GST_TYPE_SWIN_CLASSIFY_SCALE_MODE, DEFAULT_SCALE_MODE, ready));
  g_object_class_install_property (gobject_class, PROP_MEAN,
      g_param_spec_string ("mean", "Mean",
          "Per-channel mean \"r,g,b\" subtracted from pixel values in [0, 1] "
          "(unset: the checkpoint's __metadata__ mean, else ImageNet's 0.485,0.456,0.406)", NULL,
          ready));
  g_object_class_install_property (gobject_class, PROP_STD,
      g_param_spec_string ("std", "Standard deviation",
          "Per-channel standard deviation \"r,g,b\" the pixel values are divided by "
          "(unset: the checkpoint's __metadata__ std, else ImageNet's 0.229,0.224,0.225)",
          NULL, ready));
  g_object_class_install_property (gobject_class, PROP_PRE_PROCESS_BACKEND,
      g_param_spec_enum ("pre-process-backend", "Preprocessing backend",
          "Where frames are converted, resized and normalised", GST_TYPE_SWIN_CLASSIFY_BACKEND,
          DEFAULT_BACKEND, ready));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Storage of the model's weights on the device (the arithmetic is fp32 either way). "
          "fp16 needs a device with fp16 texel buffers; elsewhere the element fails to start "
          "with an error (no silent fallback)", GST_TYPE_SWIN_CLASSIFY_PRECISION,
          DEFAULT_PRECISION, ready));
  g_object_class_install_property (gobject_class, PROP_FRAMES_INFERRED,
      g_param_spec_uint64 ("frames-inferred", "Frames inferred",
          "Number of frames classified since the element started", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_double ("latency-ms", "Latency",
          "Duration of the last inference (preprocessing and forward) in milliseconds", 0.0,
          G_MAXDOUBLE, 0.0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Swin Transformer classifier",
      "Filter/Analyzer/Video", "Classifies video frames with a Swin Transformer on Vulkan",
      "swinclassify authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_swin_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_swin_classify_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_swin_classify_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_swin_classify_transform_ip);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_swin_classify_src_event);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_swin_classify_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_swin_classify_query);

  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_CLASSIFY_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_CLASSIFY_SCALE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_CLASSIFY_BACKEND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_CLASSIFY_PRECISION, 0);
}

static void
gst_swin_classify_init (GstSwinClassify *self)
{
  self->top_k = DEFAULT_TOP_K;
  self->threshold = DEFAULT_THRESHOLD;
  self->interval = DEFAULT_INTERVAL;
  self->mode = DEFAULT_MODE;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->scale_mode = DEFAULT_SCALE_MODE;
  self->backend = DEFAULT_BACKEND;
  self->precision = DEFAULT_PRECISION;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->reported_latency = GST_CLOCK_TIME_NONE;
  g_mutex_init (&self->infer_lock);
  g_mutex_init (&self->result_lock);
  g_cond_init (&self->cond);
  g_cond_init (&self->idle_cond);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

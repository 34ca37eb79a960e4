/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
 * normalisation (#GstSwinClassify:mean, #GstSwinClassify:std).  Frames up to
 * 16384 pixels per side are accepted (larger ones are refused at caps
 * negotiation, so that a videoscale upstream can adapt); those too large
 * for the device to bind at once (8192x4320 BGRx on lavapipe) are
 * preprocessed on the CPU instead, with the same result.
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
#include "gstswinclassifyprivate.h"
#include "gstswinmetaprivate.h"
#include "gstswinvideo.h"

GST_DEBUG_CATEGORY (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

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

#define gst_swin_classify_parent_class parent_class
G_DEFINE_TYPE (GstSwinClassify, gst_swin_classify, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (swinclassify, "swinclassify", GST_RANK_NONE, GST_TYPE_SWIN_CLASSIFY);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_SWIN_VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_SWIN_VIDEO_CAPS));

/* ---- lifecycle ---- */

static void
gst_swin_classify_release (GstSwinClassify *self)
{
  /* The worker first: it uses the classifier until it stops. */
  g_clear_pointer (&self->worker, gst_swin_worker_free);
  g_clear_pointer (&self->infer, gst_swin_infer_free);
  gst_swin_results_reset (&self->results);
  GST_OBJECT_LOCK (self);
  self->running = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_swin_classify_start (GstBaseTransform *trans)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  GstSwinInferConfig config;
  GError *error = NULL;
  gboolean ok = FALSE;

  GST_OBJECT_LOCK (self);
  config = (GstSwinInferConfig) {
    .model_path = g_strdup (self->model_path), .labels_path = g_strdup (self->labels_path),
    .device = g_strdup (self->device), .mean = g_strdup (self->mean),
    .std = g_strdup (self->std), .scale_mode = self->scale_mode, .precision = self->precision,
    .cpu_preprocess = self->backend == GST_SWIN_CLASSIFY_BACKEND_CPU,
  };
  self->run_mode = self->mode;
  self->frames_inferred = 0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->reported_latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  gst_swin_results_reset (&self->results);

  if (!config.model_path || !*config.model_path) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No model set"),
                       ("Set the \"model\" property to a Swin Transformer .safetensors file"));
    goto out;
  }
  self->infer = gst_swin_infer_new (&config, GST_OBJECT (self), &error);
  if (!self->infer) {
    /* GST_ELEMENT_ERROR with the domain and code the failed step chose. */
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, error->domain, error->code,
                              g_strdup (error->message), NULL, __FILE__, GST_FUNCTION, __LINE__);
    goto out;
  }
  GST_OBJECT_LOCK (self);
  self->latency_ms = gst_swin_infer_get_warmup_ms (self->infer);
  GST_OBJECT_UNLOCK (self);
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_ASYNC &&
      !(self->worker = gst_swin_worker_new (gst_swin_classify_process, self, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not start a thread: %s", error->message),
                       (NULL));
    goto out;
  }
  GST_OBJECT_LOCK (self);
  self->running = TRUE;
  GST_OBJECT_UNLOCK (self);
  ok = TRUE;

out:
  g_free ((gchar *) config.model_path);
  g_free ((gchar *) config.labels_path);
  g_free ((gchar *) config.device);
  g_free ((gchar *) config.mean);
  g_free ((gchar *) config.std);
  g_clear_error (&error);
  if (!ok)
    gst_swin_classify_release (self);
  return ok;
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
    case PROP_TOP_K: self->top_k = g_value_get_uint (value); break;
    case PROP_THRESHOLD: self->threshold = g_value_get_double (value); break;
    case PROP_DEVICE:
      g_free (self->device);
      self->device = g_value_dup_string (value);
      break;
    case PROP_INFERENCE_INTERVAL: self->interval = g_value_get_uint (value); break;
    case PROP_MODE: self->mode = g_value_get_enum (value); break;
    case PROP_POST_MESSAGES: self->post_messages = g_value_get_boolean (value); break;
    case PROP_SCALE_MODE: self->scale_mode = g_value_get_enum (value); break;
    case PROP_MEAN:
      g_free (self->mean);
      self->mean = g_value_dup_string (value);
      break;
    case PROP_STD:
      g_free (self->std);
      self->std = g_value_dup_string (value);
      break;
    case PROP_PRE_PROCESS_BACKEND: self->backend = g_value_get_enum (value); break;
    case PROP_PRECISION: self->precision = g_value_get_enum (value); break;
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
  gst_swin_results_clear (&self->results);
  g_free (self->model_path);
  g_free (self->labels_path);
  g_free (self->device);
  g_free (self->mean);
  g_free (self->std);
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
  const GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_swin_classify_debug, "swinclassify", 0,
                           "Swin Transformer classification");
  gst_swin_meta_register ();

  gobject_class->set_property = gst_swin_classify_set_property;
  gobject_class->get_property = gst_swin_classify_get_property;
  gobject_class->finalize = gst_swin_classify_finalize;

  /**
   * GstSwinClassify:model:
   *
   * Path of the Swin Transformer checkpoint, a .safetensors file in the
   * torchvision, timm or original (Microsoft) key layout.  Required.  The
   * file is read completely when the element starts (READY to PAUSED);
   * changed while running, it takes effect at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the Swin Transformer checkpoint (.safetensors; torchvision, timm or original "
          "layout). Required", NULL, ready));
  /**
   * GstSwinClassify:labels:
   *
   * Label file: UTF-8 text, one label per line, as many lines as the model
   * has classes (a leading byte-order mark and "\r\n" line ends are
   * accepted; at most 16 MiB; a regular file, not a FIFO or device).
   * Unset: the ImageNet-1k class names for 1000-class models, else
   * "class N".  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Label file, one UTF-8 label per line, as many lines as the model has classes. "
          "Default: the ImageNet-1k class names for 1000-class models, else \"class N\"", NULL,
          ready));
  /**
   * GstSwinClassify:top-k:
   *
   * Number of best classes in each result, 1 to 1000 (fewer when the model
   * has fewer classes).  Applies from the next classified frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k", "Number of best classes to report",
          1, MAX_TOP_K, DEFAULT_TOP_K, playing));
  /**
   * GstSwinClassify:threshold:
   *
   * Minimum score (softmax probability, 0 to 1) of a reported class; the
   * classes below it are left out of the top-k list, which may then be
   * empty.  Applies from the next classified frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Minimum score (softmax probability) of a reported class", 0.0, 1.0, DEFAULT_THRESHOLD,
          playing));
  /**
   * GstSwinClassify:device:
   *
   * Vulkan device: a decimal index, or a case-insensitive substring of the
   * device name.  Unset: the first discrete GPU, else the first device.
   * Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device",
          "Vulkan device: an index, or a case-insensitive substring of its name. Default: the "
          "first discrete GPU, else the first device", NULL, ready));
  /**
   * GstSwinClassify:inference-interval:
   *
   * Classify every Nth frame (frames 0, N, 2N... since the start); the
   * frames in between carry the last result with its age in frames.
   * Applies from the next frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval",
          "Classify every Nth frame; the frames in between carry the last result with its age",
          1, G_MAXUINT, DEFAULT_INTERVAL, playing));
  /**
   * GstSwinClassify:mode:
   *
   * Whether frames wait for their result (sync: the inference time is
   * added to the pipeline latency) or not (async: a worker thread
   * classifies the newest frame and results attach to later frames).
   * Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Whether frames wait for their result",
          GST_TYPE_SWIN_CLASSIFY_MODE, DEFAULT_MODE, ready));
  /**
   * GstSwinClassify:post-messages:
   *
   * Post a "swinclassify" element message (the result with the frame's
   * timestamps) for every classified frame.  Applies from the next result.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"swinclassify\" element message for every inferred frame",
          DEFAULT_POST_MESSAGES, playing));
  /**
   * GstSwinClassify:scale-mode:
   *
   * How the frame is fitted to the model's square input: center-crop
   * (torchvision's Resize + CenterCrop), stretch, or letterbox (padded with
   * the mean colour).  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SCALE_MODE,
      g_param_spec_enum ("scale-mode", "Scale mode",
          "How the frame is fitted to the model's square input",
          GST_TYPE_SWIN_CLASSIFY_SCALE_MODE, DEFAULT_SCALE_MODE, ready));
  /**
   * GstSwinClassify:mean:
   *
   * Per-channel mean "r,g,b" subtracted from the pixel values, in units of
   * the [0, 1] range; |mean| at most 1000.  Unset: the checkpoint's
   * __metadata__ mean, else ImageNet's.  Read at the next start, which
   * fails on a malformed value.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEAN,
      g_param_spec_string ("mean", "Mean",
          "Per-channel mean \"r,g,b\" subtracted from pixel values in [0, 1] "
          "(unset: the checkpoint's __metadata__ mean, else ImageNet's)", NULL, ready));
  /**
   * GstSwinClassify:std:
   *
   * Per-channel standard deviation "r,g,b" the pixel values are divided
   * by, in units of the [0, 1] range, 1e-4 to 1000.  Unset: the
   * checkpoint's __metadata__ std, else ImageNet's.  Read at the next
   * start, which fails on a malformed value.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STD,
      g_param_spec_string ("std", "Standard deviation",
          "Per-channel standard deviation \"r,g,b\" the pixel values are divided by "
          "(unset: the checkpoint's __metadata__ std, else ImageNet's)", NULL, ready));
  /**
   * GstSwinClassify:pre-process-backend:
   *
   * Where frames are converted, resized and normalised: gpu (a compute
   * shader on the Vulkan device) or cpu (the core's CPU backend).  With
   * gpu, frames larger than the device can bind at once (8192x4320 BGRx on
   * lavapipe) are preprocessed on the CPU.  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PRE_PROCESS_BACKEND,
      g_param_spec_enum ("pre-process-backend", "Preprocessing backend",
          "Where frames are converted, resized and normalised", GST_TYPE_SWIN_CLASSIFY_BACKEND,
          DEFAULT_BACKEND, ready));
  /**
   * GstSwinClassify:precision:
   *
   * Storage of the model's weights on the device: fp32, or fp16 (half the
   * memory; the arithmetic is fp32 either way).  fp16 needs a device with
   * fp16 texel buffers; elsewhere the element fails to start with an error
   * (no silent fallback).  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Storage of the model's weights on the device (the arithmetic is fp32 either way). "
          "fp16 needs a device with fp16 texel buffers; elsewhere the element fails to start "
          "with an error (no silent fallback)", GST_TYPE_SWIN_CLASSIFY_PRECISION,
          DEFAULT_PRECISION, ready));
  /**
   * GstSwinClassify:frames-inferred:
   *
   * Number of frames classified since the element started (read-only).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FRAMES_INFERRED,
      g_param_spec_uint64 ("frames-inferred", "Frames inferred",
          "Number of frames classified since the element started", 0, G_MAXUINT64, 0, stat));
  /**
   * GstSwinClassify:latency-ms:
   *
   * Duration of the last inference (preprocessing, forward and top-k) in
   * milliseconds; after the start, that of the warm-up forward (read-only).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_double ("latency-ms", "Latency",
          "Duration of the last inference (preprocessing and forward) in milliseconds", 0.0,
          G_MAXDOUBLE, 0.0, stat));

  gst_element_class_set_static_metadata (element_class, "Swin Transformer classifier",
      "Filter/Analyzer/Video", "Classifies video frames with a Swin Transformer on Vulkan",
      "swinclassify authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_swin_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_swin_classify_stop);
  gst_swin_classify_stream_class_init (trans_class);

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
  gst_swin_results_init (&self->results);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

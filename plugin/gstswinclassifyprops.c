/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify's properties: their documentation, defaults, and get/set. */
#include "gstswinclassifyprivate.h"
#include "gstswinmeta.h"

#define DEFAULT_TOP_K 5
#define MAX_TOP_K 1000
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_MODE GST_SWIN_CLASSIFY_MODE_SYNC
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_SCALE_MODE SWIN_SCALE_CENTER_CROP
#define DEFAULT_BACKEND GST_SWIN_CLASSIFY_BACKEND_GPU
#define DEFAULT_PRECISION SWIN_PRECISION_FP32
#define DEFAULT_REGION GST_SWIN_CLASSIFY_REGION_FULL_FRAME
#define DEFAULT_MIN_ROI_SIZE "16x16"
#define DEFAULT_RESULT_NAME GST_SWIN_REGION_PARAM
#define DEFAULT_FEATURES FALSE
#define DEFAULT_BATCH_SIZE 8
#define DEFAULT_BATCH_TIMEOUT (5 * GST_MSECOND)
#define DEFAULT_RECLASSIFY_INTERVAL 1
#define DEFAULT_RECLASSIFY_GROWTH 1.5
#define DEFAULT_SMOOTHING GST_SWIN_SMOOTHING_NONE
#define DEFAULT_SMOOTHING_WINDOW 5
#define DEFAULT_IOU_THRESHOLD 0.3
#define DEFAULT_TRACK_MAX_AGE 30
#define DEFAULT_EDGE_REGIONS GST_SWIN_EDGE_KEEP
#define DEFAULT_MAX_REGIONS 0

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
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_ROI_SIZE,
  PROP_RESULT_NAME,
  PROP_FEATURES,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
  PROP_MODEL_INSTANCE_ID,
  PROP_FRAMES_INFERRED,
  PROP_LATENCY_MS,
  PROP_RECLASSIFY_INTERVAL,
  PROP_RECLASSIFY_GROWTH,
  PROP_SMOOTHING,
  PROP_SMOOTHING_WINDOW,
  PROP_IOU_THRESHOLD,
  PROP_TRACK_MAX_AGE,
  PROP_MAX_ROI_SIZE,
  PROP_EDGE_REGIONS,
  PROP_MAX_REGIONS,
};

void
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
    case PROP_STD: {
      GError *error = NULL;
      gboolean is_mean = prop_id == PROP_MEAN;

      /* Checked here, where the mistake is made: a bad value is refused
       * with a warning and the previous one kept. */
      if (!gst_swin_settings_channels (pspec->name, value, is_mean ? self->mean : self->std,
                                       is_mean ? &self->mean_set : &self->std_set, &error)) {
        GST_WARNING_OBJECT (self, "%s; keeping the previous value", error->message);
        g_clear_error (&error);
      }
      break;
    }
    case PROP_PRE_PROCESS_BACKEND: self->backend = g_value_get_enum (value); break;
    case PROP_PRECISION: self->precision = g_value_get_enum (value); break;
    case PROP_INFERENCE_REGION: self->region = g_value_get_enum (value); break;
    case PROP_OBJECT_CLASS:
      g_free (self->object_class);
      self->object_class = g_value_dup_string (value);
      break;
    case PROP_MIN_ROI_SIZE:
      g_free (self->min_roi_size);
      self->min_roi_size = g_value_dup_string (value);
      break;
    case PROP_RESULT_NAME: {
      GError *error = NULL;

      /* As GLib does with a number out of range: refused with a warning,
       * the previous name kept. */
      if (gst_swin_regions_check_name (g_value_get_string (value), &error)) {
        self->result_name.quark = g_quark_from_string (g_value_get_string (value));
      } else {
        g_warning ("%s: %s; keeping \"%s\"", GST_OBJECT_NAME (self), error->message,
                   g_quark_to_string (self->result_name.quark));
        g_error_free (error);
      }
      break;
    }
    case PROP_FEATURES: self->features = g_value_get_boolean (value); break;
    case PROP_BATCH_SIZE: self->batch_size = g_value_get_uint (value); break;
    case PROP_BATCH_TIMEOUT: self->batch_timeout = g_value_get_uint64 (value); break;
    case PROP_MODEL_INSTANCE_ID:
      g_free (self->instance_id);
      self->instance_id = g_value_dup_string (value);
      break;
    case PROP_RECLASSIFY_INTERVAL: self->reclassify_interval = g_value_get_uint (value); break;
    case PROP_RECLASSIFY_GROWTH: self->reclassify_growth = g_value_get_double (value); break;
    case PROP_SMOOTHING: self->smoothing = g_value_get_enum (value); break;
    case PROP_SMOOTHING_WINDOW: self->smoothing_window = g_value_get_uint (value); break;
    case PROP_IOU_THRESHOLD: self->iou_threshold = g_value_get_double (value); break;
    case PROP_TRACK_MAX_AGE: self->track_max_age = g_value_get_uint (value); break;
    case PROP_MAX_ROI_SIZE:
      g_free (self->max_roi_size);
      self->max_roi_size = g_value_dup_string (value);
      break;
    case PROP_EDGE_REGIONS: self->edge_regions = g_value_get_enum (value); break;
    case PROP_MAX_REGIONS: self->max_regions = g_value_get_uint (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (deferred)
    GST_WARNING_OBJECT (self, "\"%s\" changed while running: takes effect the next time the "
                        "element starts (READY -> PAUSED)", pspec->name);
}

void
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
    case PROP_MEAN: gst_swin_settings_channels_to_array (self->mean_set, self->mean, value); break;
    case PROP_STD: gst_swin_settings_channels_to_array (self->std_set, self->std, value); break;
    case PROP_PRE_PROCESS_BACKEND: g_value_set_enum (value, self->backend); break;
    case PROP_PRECISION: g_value_set_enum (value, self->precision); break;
    case PROP_INFERENCE_REGION: g_value_set_enum (value, self->region); break;
    case PROP_OBJECT_CLASS: g_value_set_string (value, self->object_class); break;
    case PROP_MIN_ROI_SIZE: g_value_set_string (value, self->min_roi_size); break;
    case PROP_RESULT_NAME:
      g_value_set_string (value, g_quark_to_string (self->result_name.quark));
      break;
    case PROP_FEATURES: g_value_set_boolean (value, self->features); break;
    case PROP_BATCH_SIZE: g_value_set_uint (value, self->batch_size); break;
    case PROP_BATCH_TIMEOUT: g_value_set_uint64 (value, self->batch_timeout); break;
    case PROP_MODEL_INSTANCE_ID: g_value_set_string (value, self->instance_id); break;
    case PROP_FRAMES_INFERRED: g_value_set_uint64 (value, self->frames_inferred); break;
    case PROP_LATENCY_MS: g_value_set_double (value, self->latency_ms); break;
    case PROP_RECLASSIFY_INTERVAL: g_value_set_uint (value, self->reclassify_interval); break;
    case PROP_RECLASSIFY_GROWTH: g_value_set_double (value, self->reclassify_growth); break;
    case PROP_SMOOTHING: g_value_set_enum (value, self->smoothing); break;
    case PROP_SMOOTHING_WINDOW: g_value_set_uint (value, self->smoothing_window); break;
    case PROP_IOU_THRESHOLD: g_value_set_double (value, self->iou_threshold); break;
    case PROP_TRACK_MAX_AGE: g_value_set_uint (value, self->track_max_age); break;
    case PROP_MAX_ROI_SIZE: g_value_set_string (value, self->max_roi_size); break;
    case PROP_EDGE_REGIONS: g_value_set_enum (value, self->edge_regions); break;
    case PROP_MAX_REGIONS: g_value_set_uint (value, self->max_regions); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

void
gst_swin_classify_init_properties (GstSwinClassify *self)
{
  self->top_k = DEFAULT_TOP_K;
  self->threshold = DEFAULT_THRESHOLD;
  self->interval = DEFAULT_INTERVAL;
  self->mode = DEFAULT_MODE;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->scale_mode = DEFAULT_SCALE_MODE;
  self->backend = DEFAULT_BACKEND;
  self->precision = DEFAULT_PRECISION;
  self->region = DEFAULT_REGION;
  self->min_roi_size = g_strdup (DEFAULT_MIN_ROI_SIZE);
  self->result_name.quark = g_quark_from_static_string (DEFAULT_RESULT_NAME);
  self->features = DEFAULT_FEATURES;
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->batch_timeout = DEFAULT_BATCH_TIMEOUT;
  self->reclassify_interval = DEFAULT_RECLASSIFY_INTERVAL;
  self->reclassify_growth = DEFAULT_RECLASSIFY_GROWTH;
  self->smoothing = DEFAULT_SMOOTHING;
  self->smoothing_window = DEFAULT_SMOOTHING_WINDOW;
  self->iou_threshold = DEFAULT_IOU_THRESHOLD;
  self->track_max_age = DEFAULT_TRACK_MAX_AGE;
  self->edge_regions = DEFAULT_EDGE_REGIONS;
  self->max_regions = DEFAULT_MAX_REGIONS;
}

void
gst_swin_classify_install_properties (GObjectClass *gobject_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags playing = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags stat = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

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
   * added to the pipeline latency) or not (async: the frame is lent to
   * the model instance's queue, which classifies the newest one, and
   * results attach to later frames).
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
   * Per-channel mean <r, g, b> subtracted from the pixel values, in units
   * of the [0, 1] range; |mean| at most 1000 (`mean="<0.5, 0.5, 0.5>"` on a
   * launch line).  Empty: the checkpoint's __metadata__ mean, else
   * ImageNet's.  A value that is not three such numbers is refused when it
   * is set, with a warning; the previous value stays.  Read at the next
   * start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEAN,
      gst_param_spec_array ("mean", "Mean",
          "Per-channel mean <r, g, b> subtracted from pixel values in [0, 1] "
          "(empty: the checkpoint's __metadata__ mean, else ImageNet's)",
          /* unbounded here: the element's own check says what is wrong */
          g_param_spec_double ("channel", "Channel", "One channel's mean", -G_MAXDOUBLE,
                               G_MAXDOUBLE, 0.0, rw), ready));
  /**
   * GstSwinClassify:std:
   *
   * Per-channel standard deviation <r, g, b> the pixel values are divided
   * by, in units of the [0, 1] range, 1e-4 to 1000
   * (`std="<0.25, 0.25, 0.25>"`).  Empty: the checkpoint's __metadata__
   * std, else ImageNet's.  A value that is not three such numbers is
   * refused when it is set, with a warning; the previous value stays.  Read
   * at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STD,
      gst_param_spec_array ("std", "Standard deviation",
          "Per-channel standard deviation <r, g, b> the pixel values are divided by "
          "(empty: the checkpoint's __metadata__ std, else ImageNet's)",
          g_param_spec_double ("channel", "Channel", "One channel's standard deviation",
                               -G_MAXDOUBLE, G_MAXDOUBLE, 1.0, rw), ready));
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
   * Precision of the model's linear layers on the device: fp32, or fp16
   * (weights in half the memory; on GPUs with fp16 arithmetic the GEMMs
   * also multiply in fp16, summing in fp32, on tensor cores where present;
   * lavapipe keeps fp32 arithmetic).  fp16 needs a device with fp16 texel
   * buffers; elsewhere the element fails to start with an error (no silent
   * fallback).  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Precision of the linear layers: fp16 stores the weights in fp16 and, on GPUs with "
          "fp16 arithmetic, multiplies in fp16 (sums in fp32). "
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
  /**
   * GstSwinClassify:inference-region:
   *
   * What is classified: the whole frame (full-frame), or each region of
   * interest an upstream detector attached as GstVideoRegionOfInterestMeta
   * (roi-list), as DL Streamer's gvaclassify does.  With roi-list every
   * classified region's meta gets a parameter structure named after
   * result-name (see gstswinmeta.h) and the frame gets no frame result; frames without
   * regions pass untouched.  Each region is an object tracked across frames
   * (see reclassify-interval); with mode=async no frame waits and each
   * region gets its track's latest result.  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
          "Classify the whole frame, or each region of interest (GstVideoRegionOfInterestMeta)",
          GST_TYPE_SWIN_CLASSIFY_REGION, DEFAULT_REGION, ready));
  /**
   * GstSwinClassify:object-class:
   *
   * With inference-region=roi-list, the region types (the meta's roi_type,
   * e.g. "face") to classify, comma-separated; empty: every region.  The
   * types are compared without regard to case ("Face" matches a detector's
   * "face").  An empty item ("face,,car") fails the start.  Read at the
   * next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string ("object-class", "Object class",
          "Comma-separated region types to classify with inference-region=roi-list, compared "
          "without regard to case; empty: all",
          NULL, ready));
  /**
   * GstSwinClassify:min-roi-size:
   *
   * With inference-region=roi-list, regions smaller than this ("WxH", in
   * pixels) once clipped to the frame are not classified.  Read at the
   * next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MIN_ROI_SIZE,
      g_param_spec_string ("min-roi-size", "Minimum region size",
          "Regions smaller than WIDTHxHEIGHT pixels (inside the frame) are skipped",
          DEFAULT_MIN_ROI_SIZE, ready));
  /**
   * GstSwinClassify:result-name:
   *
   * With inference-region=roi-list, the name of the parameter structure
   * each classified region's meta gets, and its key in swinpublish's JSON:
   * give each classifier of a cascade its own ("vehicle-type", then
   * "colour") to keep every result on the region.  A GstStructure name (an
   * ASCII letter, then letters, digits and "/-_.:+"), not "id", "roi_type",
   * "x", "y", "w" or "h"; any other value is refused with a warning and the
   * previous name kept.  A region that already has a parameter of this name
   * (two classifiers with one result-name) gets this element's result
   * instead, with a warning on the bus the first time.  Applies from the
   * next classified frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RESULT_NAME,
      g_param_spec_string ("result-name", "Result name",
          "Name of the result structure on each region with inference-region=roi-list (one per "
          "classifier of a cascade)", DEFAULT_RESULT_NAME, playing));
  /**
   * GstSwinClassify:features:
   *
   * Also attach the pooled features of each classified image (the whole
   * frame, or each region with inference-region=roi-list): the vector the
   * classification head reads, after the final LayerNorm and the global
   * average pool (768 values for Swin-T), for re-identification, search or
   * other heads.  Each is a GstCustomMeta named "GstSwinFeaturesMeta"
   * saying which region it belongs to, and on GStreamer 1.26+ also a
   * GstTensor with id "swinclassify-features" in the buffer's
   * GstTensorMeta (see gstswinmeta.h).  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FEATURES,
      g_param_spec_boolean ("features", "Features",
          "Attach the pooled features (the classification head's input) of each classified "
          "image as a GstSwinFeaturesMeta (and, on GStreamer 1.26+, a GstTensorMeta tensor)",
          DEFAULT_FEATURES, ready));
  /**
   * GstSwinClassify:batch-size:
   *
   * Images per forward: the regions of a frame (and, with a shared model
   * instance, the images of every sharing element) are classified in
   * batches of up to this many; more are split over several forwards.  A
   * shared instance keeps the value of the element that made it.  Read at
   * the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size", "Images per forward (regions, shared streams)",
          1, SWIN_RUNNER_MAX_BATCH, DEFAULT_BATCH_SIZE, ready));
  /**
   * GstSwinClassify:batch-timeout:
   *
   * With a shared model instance, how long (nanoseconds) a request may
   * wait for the images of other elements to fill a batch: a lone stream is
   * never delayed by more, and a batch that is full, or holds a request of
   * every element sharing the instance, never waits.  A private instance
   * never waits.  A shared instance keeps the value of the
   * element that made it.  Read at the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint64 ("batch-timeout", "Batch timeout",
          "Nanoseconds a request to a shared model instance may wait for a batch to fill", 0,
          10 * GST_SECOND, DEFAULT_BATCH_TIMEOUT, ready));
  /**
   * GstSwinClassify:model-instance-id:
   *
   * Elements of one process with the same non-empty id share one device
   * context, one copy of the weights and one batching queue.  model, device
   * and precision must then agree: an element that differs fails to start
   * with an error naming both elements and the setting.  Every other
   * setting stays the element's own.  Empty: a private instance.  Read at
   * the next start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODEL_INSTANCE_ID,
      g_param_spec_string ("model-instance-id", "Model instance id",
          "Elements with the same id share the model on the device and batch together; empty: "
          "private", NULL, ready));
  /**
   * GstSwinClassify:reclassify-interval:
   *
   * With inference-region=roi-list, each region is an object tracked across
   * frames (an upstream tracker's id, else the element's own IoU tracker:
   * iou-threshold, track-max-age): it is classified when its track starts,
   * then every Nth frame of its track, and in between its region carries
   * the track's last result with "age" and "track-id".  1 (the default):
   * every region of every frame, as without tracking.  Above 1, a frame's
   * forward holds at most batch-size regions: new objects first, then the
   * oldest results, so that every object is eventually reclassified.
   * Applies from the next frame.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint ("reclassify-interval", "Reclassify interval",
          "Classify a tracked object when it appears, then every Nth frame (1: every frame)",
          1, G_MAXUINT, DEFAULT_RECLASSIFY_INTERVAL, playing));
  /**
   * GstSwinClassify:reclassify-growth:
   *
   * Reclassify a tracked object at once when its box's area has grown by
   * more than this factor since its last classification (an object coming
   * closer gives a better look); 0: never.  Applies from the next frame.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_RECLASSIFY_GROWTH,
      g_param_spec_double ("reclassify-growth", "Reclassify growth",
          "Reclassify a tracked object whose box area grew by more than this factor (0: never)",
          0.0, 1000.0, DEFAULT_RECLASSIFY_GROWTH, playing));
  /**
   * GstSwinClassify:smoothing:
   *
   * How a tracked object's reported label, label_id and confidence come
   * from its last smoothing-window results: none (the last result), vote
   * (the label most of them gave, a tie going to the most recent; its mean
   * probability) or mean (the class of the highest mean probability).  The
   * raw result stays readable beside them ("raw-label", the top-k).  Read
   * at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_enum ("smoothing", "Smoothing",
          "How a tracked object's label comes from its last results", GST_TYPE_SWIN_SMOOTHING,
          DEFAULT_SMOOTHING, ready));
  /**
   * GstSwinClassify:smoothing-window:
   *
   * The number K of a track's last results that smoothing uses.  Read at
   * the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_SMOOTHING_WINDOW,
      g_param_spec_uint ("smoothing-window", "Smoothing window",
          "Results of a track that smoothing uses", 1, GST_SWIN_TRACKER_MAX_WINDOW,
          DEFAULT_SMOOTHING_WINDOW, ready));
  /**
   * GstSwinClassify:iou-threshold:
   *
   * The element's own tracker (regions without an upstream id): a region
   * continues the track of its type whose last box it overlaps most, by
   * at least this intersection over union.  Read at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_double ("iou-threshold", "IoU threshold",
          "Least overlap (intersection over union) continuing a track", 0.01, 1.0,
          DEFAULT_IOU_THRESHOLD, ready));
  /**
   * GstSwinClassify:track-max-age:
   *
   * A track ends after this many frames without its object.  The table
   * holds at most 256 tracks; when full, the track seen least recently
   * goes first.  Read at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_TRACK_MAX_AGE,
      g_param_spec_uint ("track-max-age", "Track maximum age",
          "Frames a track may stay unseen before it ends", 1, 100000, DEFAULT_TRACK_MAX_AGE,
          ready));
  /**
   * GstSwinClassify:max-roi-size:
   *
   * With inference-region=roi-list, regions larger than this ("WxH", in
   * pixels, in either dimension) once clipped to the frame are not
   * classified; unset: no maximum.  Read at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_MAX_ROI_SIZE,
      g_param_spec_string ("max-roi-size", "Maximum region size",
          "Regions larger than WIDTHxHEIGHT pixels (inside the frame) are skipped; unset: none",
          NULL, ready));
  /**
   * GstSwinClassify:edge-regions:
   *
   * Regions whose box touches the frame's edge (the object is probably cut
   * off): keep (classified as any other), skip, or hold (they keep their
   * track's result and are classified only while the track has none).
   * Read at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_EDGE_REGIONS,
      g_param_spec_enum ("edge-regions", "Edge regions",
          "What to do with regions touching the frame's edge", GST_TYPE_SWIN_EDGE_REGIONS,
          DEFAULT_EDGE_REGIONS, ready));
  /**
   * GstSwinClassify:max-regions:
   *
   * At most this many regions of a frame are classified, the largest
   * (inside the frame) first; 0: all.  Read at the next start.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_MAX_REGIONS,
      g_param_spec_uint ("max-regions", "Maximum regions",
          "Regions of a frame classified at most, largest first (0: all)", 0, G_MAXUINT,
          DEFAULT_MAX_REGIONS, ready));
}

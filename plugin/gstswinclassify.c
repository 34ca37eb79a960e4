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
 * the bus as an element message named "swinclassify".  With
 * #GstSwinClassify:features the pooled features of each classified image
 * (the classification head's input) are attached too, as a GstCustomMeta
 * named "GstSwinFeaturesMeta" (and on GStreamer 1.26+ a GstTensorMeta).
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
 * never wait: the model instance's queue classifies the newest frame (it
 * holds that buffer until its pixels are read; a newer frame replaces one
 * still waiting) and results attach to later frames, with their age in
 * frames.  With qos=true, inference is
 * skipped (the frame still passes) for frames that are already late.
 * A flush (seek) forgets the queued frame and the last result; results of
 * frames from before it are dropped.
 *
 * With inference-region=roi-list each region is an object tracked across
 * frames (#GstSwinClassify:reclassify-interval): classified when it
 * appears, then now and then, its last result carried on every frame with
 * its age and track id, its label smoothed if asked
 * (#GstSwinClassify:smoothing).  A flush, a caps change and a stop forget
 * every track.  At EOS, async mode first waits for the
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

#include <string.h>

GST_DEBUG_CATEGORY (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug


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
  /* The instance first: releasing it waits for this element's running
   * requests, whose callbacks use the labels. */
  gst_swin_instance_release (self->instance, GST_ELEMENT (self));
  self->instance = NULL;
  self->model = NULL;
  g_clear_pointer (&self->labels, gst_swin_labels_free);
  g_clear_pointer (&self->classes, g_array_unref);
  g_clear_pointer (&self->tracker, gst_swin_tracker_free);
  gst_swin_results_reset (&self->results);
  GST_OBJECT_LOCK (self);
  self->running = FALSE;
  GST_OBJECT_UNLOCK (self);
}

/* The element's normalisation: the mean and std properties where set, else
 * the checkpoint's, else the core's defaults. */
static void
gst_swin_classify_resolve_params (GstSwinClassify *self, SwinScaleMode scale_mode,
                                  const gfloat mean[3], const gfloat std[3])
{
  swin_preprocess_params_init (&self->params);
  self->params.scale_mode = scale_mode;
  if (self->model->has_normalization) {
    memcpy (self->params.mean, self->model->mean, sizeof (self->params.mean));
    memcpy (self->params.std, self->model->std, sizeof (self->params.std));
  }
  if (mean)
    memcpy (self->params.mean, mean, sizeof (self->params.mean));
  if (std)
    memcpy (self->params.std, std, sizeof (self->params.std));
}

static gboolean
gst_swin_classify_start (GstBaseTransform *trans)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (trans);
  GstSwinInstanceParams ip;
  GError *error = NULL;
  gchar *labels_path, *object_class, *min_roi_size, *max_roi_size, *warning = NULL;
  GstSwinTrackerParams tp;
  gfloat mean[3], std[3];
  gboolean mean_set, std_set, ok = FALSE;
  SwinScaleMode scale_mode;

  GST_OBJECT_LOCK (self);
  ip = (GstSwinInstanceParams) {
    .instance_id = g_strdup (self->instance_id),
    .model_path = g_strdup (self->model_path),
    .device = g_strdup (self->device),
    .precision = self->precision,
    .batch_size = self->batch_size,
    .batch_timeout_ns = self->batch_timeout,
  };
  labels_path = g_strdup (self->labels_path);
  object_class = g_strdup (self->object_class);
  min_roi_size = g_strdup (self->min_roi_size);
  max_roi_size = g_strdup (self->max_roi_size);
  tp = (GstSwinTrackerParams) { .iou_threshold = self->iou_threshold,
                                .max_age = self->track_max_age, .smoothing = self->smoothing,
                                .window = self->smoothing_window };
  self->filter = (GstSwinRegionFilter) { .edge = self->edge_regions,
                                         .max_regions = self->max_regions };
  scale_mode = self->scale_mode;
  mean_set = self->mean_set;
  std_set = self->std_set;
  memcpy (mean, self->mean, sizeof (mean));
  memcpy (std, self->std, sizeof (std));
  self->cpu_preprocess = self->backend == GST_SWIN_CLASSIFY_BACKEND_CPU;
  self->run_mode = self->mode;
  self->run_region = self->region;
  self->run_features = self->features;
  self->frames_inferred = 0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->reported_latency = GST_CLOCK_TIME_NONE;
  self->warned_width = self->warned_height = 0;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->failed, FALSE);
  gst_swin_results_reset (&self->results);

  if (!ip.model_path || !*ip.model_path) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No model set"),
                       ("Set the \"model\" property to a Swin Transformer .safetensors file"));
    goto out;
  }
  if (!gst_swin_settings_object_classes (object_class, &self->classes, &error) ||
      !gst_swin_settings_size ("min-roi-size", min_roi_size, &self->min_roi_width,
                               &self->min_roi_height, &error) ||
      (max_roi_size && *max_roi_size &&
       !gst_swin_settings_size ("max-roi-size", max_roi_size, &self->filter.max_width,
                                &self->filter.max_height, &error)) ||
      !(self->instance = gst_swin_instance_acquire (&ip, GST_ELEMENT (self), &warning, &error)))
    goto failed;
  self->model = gst_swin_instance_get_info (self->instance);
  gst_swin_classify_resolve_params (self, scale_mode, mean_set ? mean : NULL, std_set ? std : NULL);
  if (!(self->labels = gst_swin_labels_new (labels_path, self->model->arch.num_classes,
                                            self->model->model_name, &error)))
    goto failed;
  self->filter.classes = self->classes;
  self->filter.min_width = self->min_roi_width;
  self->filter.min_height = self->min_roi_height;
  tp.n_classes = (guint) self->model->arch.num_classes;
  if (self->run_region == GST_SWIN_CLASSIFY_REGION_ROI_LIST)
    self->tracker = gst_swin_tracker_new (&tp);
  g_atomic_int_set (&self->regions_job, FALSE);
  if (warning)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s", warning), (NULL));
  GST_INFO_OBJECT (self, "model %s (%d classes) on %s, %u element(s) sharing it; warm-up %.1f ms",
                   self->model->model_name, self->model->arch.num_classes, self->model->device_name,
                   gst_swin_instance_get_users (self->instance), self->model->warmup_ms);
  GST_OBJECT_LOCK (self);
  self->latency_ms = self->model->warmup_ms;
  self->running = TRUE;
  GST_OBJECT_UNLOCK (self);
  ok = TRUE;
  goto out;

failed:
  /* GST_ELEMENT_ERROR with the domain and code the failed step chose. */
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, error->domain, error->code,
                            g_strdup (error->message), NULL, __FILE__, GST_FUNCTION, __LINE__);
out:
  g_free ((gchar *) ip.instance_id);
  g_free ((gchar *) ip.model_path);
  g_free ((gchar *) ip.device);
  g_free (labels_path);
  g_free (object_class);
  g_free (min_roi_size);
  g_free (max_roi_size);
  g_free (warning);
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
gst_swin_classify_finalize (GObject *object)
{
  GstSwinClassify *self = GST_SWIN_CLASSIFY (object);

  gst_swin_classify_release (self);
  gst_swin_results_clear (&self->results);
  g_free (self->model_path);
  g_free (self->labels_path);
  g_free (self->device);
  g_free (self->object_class);
  g_free (self->min_roi_size);
  g_free (self->max_roi_size);
  g_free (self->instance_id);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_swin_classify_class_init (GstSwinClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GST_DEBUG_CATEGORY_INIT (gst_swin_classify_debug, "swinclassify", 0,
                           "Swin Transformer classification");
  gst_swin_meta_register ();

  gobject_class->set_property = gst_swin_classify_set_property;
  gobject_class->get_property = gst_swin_classify_get_property;
  gobject_class->finalize = gst_swin_classify_finalize;

  gst_swin_classify_install_properties (gobject_class);

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
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_CLASSIFY_REGION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_SMOOTHING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_EDGE_REGIONS, 0);
}

static void
gst_swin_classify_init (GstSwinClassify *self)
{
  gst_swin_classify_init_properties (self);
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->reported_latency = GST_CLOCK_TIME_NONE;
  gst_swin_results_init (&self->results);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

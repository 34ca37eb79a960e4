/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classifier behind the element (see gstswininfer.h): a share of a
 * model instance and the element's own labels and normalisation; one
 * request to the instance's queue per classified frame. */
#include "gstswininfer.h"
#include "gstswininstance.h"
#include "gstswinmetaprivate.h"
#include "gstswinsettings.h"

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

struct _GstSwinInfer {
  GstElement *owner;              /* not a reference */
  GstSwinInstance *instance;
  gint num_classes;
  gchar **labels;
  SwinPreprocessParams params;    /* scale mode, mean, std */
  gboolean cpu_preprocess;
  /* The last frame size said to be preprocessed on the CPU: lock. */
  GMutex lock;
  gint warned_width, warned_height;
};

void
gst_swin_infer_free (GstSwinInfer *infer)
{
  if (!infer)
    return;
  gst_swin_instance_release (infer->instance, infer);
  g_strfreev (infer->labels);
  g_mutex_clear (&infer->lock);
  g_free (infer);
}

GstSwinInfer *
gst_swin_infer_new (const GstSwinInferConfig *config, GstElement *owner, gchar **warning,
                    GError **error)
{
  GstSwinInstanceConfig ic = {
    config->instance_id, config->model_path, config->device, config->precision,
    config->batch_size, config->batch_timeout_us,
  };
  GstSwinInfer *infer = g_new0 (GstSwinInfer, 1);

  g_mutex_init (&infer->lock);
  infer->owner = owner;
  infer->cpu_preprocess = config->cpu_preprocess;
  infer->instance = gst_swin_instance_acquire (&ic, owner, warning, error);
  if (!infer->instance) {
    gst_swin_infer_free (infer);
    return NULL;
  }
  infer->num_classes = gst_swin_instance_get_arch (infer->instance)->num_classes;
  swin_preprocess_params_init (&infer->params);
  infer->params.scale_mode = config->scale_mode;
  gst_swin_instance_get_normalization (infer->instance, infer->params.mean, infer->params.std);
  if (!gst_swin_settings_normalization (config->mean, config->std, &infer->params, error) ||
      !(infer->labels = gst_swin_settings_load_labels (config->labels_path, infer->num_classes,
                                                       error))) {
    gst_swin_infer_free (infer);
    return NULL;
  }
  GST_INFO_OBJECT (owner, "model %s (%d classes) on %s, %u element(s) sharing it; warm-up %.1f ms",
                   gst_swin_instance_get_model_name (infer->instance), infer->num_classes,
                   gst_swin_instance_get_device_name (infer->instance),
                   gst_swin_instance_get_users (infer->instance),
                   gst_swin_instance_get_warmup_ms (infer->instance));
  return infer;
}

const SwinPreprocessParams *
gst_swin_infer_get_params (const GstSwinInfer *infer)
{
  return &infer->params;
}

gdouble
gst_swin_infer_get_warmup_ms (const GstSwinInfer *infer)
{
  return gst_swin_instance_get_warmup_ms (infer->instance);
}

const gchar *
gst_swin_infer_get_model_name (const GstSwinInfer *infer)
{
  return gst_swin_instance_get_model_name (infer->instance);
}

/* Frames larger than the device can bind at once (8K RGBx on lavapipe)
 * are preprocessed on the CPU by the runner, which computes the same
 * function, slower: the caps accepted them, so they must not fail.  Said
 * once per size. */
static void
warn_cpu_frames (GstSwinInfer *infer, const SwinFrame *frame)
{
  if (infer->cpu_preprocess || gst_swin_instance_can_bind (infer->instance, frame))
    return;
  g_mutex_lock (&infer->lock);
  if (infer->warned_width != frame->width || infer->warned_height != frame->height)
    GST_WARNING_OBJECT (infer->owner, "%dx%d frames exceed what %s can bind at once: "
                        "preprocessing them on the CPU", frame->width, frame->height,
                        gst_swin_instance_get_device_name (infer->instance));
  infer->warned_width = frame->width;
  infer->warned_height = frame->height;
  g_mutex_unlock (&infer->lock);
}

/* The result structure of one image from its logits. */
static GstStructure *
make_result (GstSwinInfer *infer, const gfloat *logits, guint top_k, gdouble threshold)
{
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  gint k = MIN ((gint) top_k, infer->num_classes);
  gfloat *probs = g_memdup2 (logits, infer->num_classes * sizeof (gfloat));
  gint *order = g_new (gint, MAX (k, 1));
  GstStructure *s;

  swin_softmax (probs, infer->num_classes);
  swin_topk (probs, infer->num_classes, k, order);
  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (gint i = 0; i < k && probs[order[i]] >= threshold; i++) {
    gint c = order[i];

    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, c);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, infer->labels[c]);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, probs[c]);
    gst_value_array_append_and_take_value (&scores, &v);
  }
  s = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING,
                         gst_swin_instance_get_model_name (infer->instance), NULL);
  gst_structure_take_value (s, GST_SWIN_FIELD_CLASS_IDS, &ids);
  gst_structure_take_value (s, GST_SWIN_FIELD_LABELS, &labels);
  gst_structure_take_value (s, GST_SWIN_FIELD_SCORES, &scores);
  g_free (probs);
  g_free (order);
  return s;
}

gboolean
gst_swin_infer_run (GstSwinInfer *infer, const SwinFrame *frame, const SwinRect *rects,
                    guint n_rects, const SwinPreprocessParams *params, guint top_k,
                    gdouble threshold, GstStructure **results, GError **error)
{
  SwinRunnerRequest request = { frame, rects, (int) n_rects, params, infer->cpu_preprocess, infer };
  guint n = rects ? n_rects : 1;
  gfloat *logits = g_try_new (gfloat, (gsize) n * infer->num_classes);

  if (!logits) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for %u results", n);
    return FALSE;
  }
  warn_cpu_frames (infer, frame);
  if (!swin_runner_run (gst_swin_instance_get_runner (infer->instance), &request, logits, error)) {
    g_free (logits);
    return FALSE;
  }
  for (guint i = 0; i < n; i++)
    results[i] = make_result (infer, logits + (gsize) i * infer->num_classes, top_k, threshold);
  g_free (logits);
  return TRUE;
}

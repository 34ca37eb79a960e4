/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classifier behind the element (see gstswininfer.h): set up once per
 * start, then one preprocessing + forward + top-k per classified frame. */
#include "gstswininfer.h"
#include "gstswinmetaprivate.h"
#include "gstswinsettings.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

struct _GstSwinInfer {
  GstObject *owner;               /* for log messages; not a reference */

  /* Read-only after gst_swin_infer_new(). */
  SwinContext *ctx;
  SwinNet *net;
  gint size;                      /* the model's square input resolution */
  gint num_classes;
  gchar *model_name;
  gchar **labels;
  SwinPreprocessParams params;    /* scale mode, mean, std */
  gboolean cpu_preprocess;
  gdouble warmup_ms;

  /* The plan, the device preprocessing and the scratch: lock. */
  GMutex lock;
  SwinPlan *plan;
  SwinPreprocessor *pp;
  gint warned_width, warned_height; /* the last size said to be preprocessed on the CPU */
  gfloat *probs;
  gint *order;
};

void
gst_swin_infer_free (GstSwinInfer *infer)
{
  if (!infer)
    return;
  swin_preprocessor_free (infer->pp);
  swin_plan_free (infer->plan);
  swin_net_free (infer->net);
  swin_context_free (infer->ctx);
  g_free (infer->model_name);
  g_strfreev (infer->labels);
  g_free (infer->probs);
  g_free (infer->order);
  g_mutex_clear (&infer->lock);
  g_free (infer);
}

/* Loads the checkpoint, its labels and its normalisation. */
static SwinModel *
load_model (GstSwinInfer *infer, const GstSwinInferConfig *config, GError **error)
{
  GError *load_error = NULL;
  SwinModel *model = swin_model_load (config->model_path, &load_error);
  const SwinArch *arch;

  if (!model) {
    g_set_error (error, GST_RESOURCE_ERROR,
                 load_error->code == SWIN_ERROR_IO ? GST_RESOURCE_ERROR_OPEN_READ
                                                   : GST_RESOURCE_ERROR_READ,
                 "Could not load model \"%s\": %s", config->model_path, load_error->message);
    g_error_free (load_error);
    return NULL;
  }
  arch = swin_model_get_arch (model);
  infer->size = arch->img_size;
  infer->num_classes = arch->num_classes;
  infer->model_name = g_strdup (swin_model_get_name (model));
  swin_preprocess_params_init (&infer->params);
  infer->params.scale_mode = config->scale_mode;
  if (!gst_swin_settings_normalization (model, config->mean, config->std, &infer->params, error) ||
      !(infer->labels = gst_swin_settings_load_labels (config->labels_path, infer->num_classes,
                                                       error))) {
    swin_model_free (model);
    return NULL;
  }
  return model;
}

/* Opens the device, uploads @model (freed here) and runs the warm-up. */
static gboolean
setup_device (GstSwinInfer *infer, const GstSwinInferConfig *config, SwinModel *model,
              GError **error)
{
  GError *swin_error = NULL;
  gint64 t0;

  infer->ctx = swin_context_new (config->device, &swin_error);
  if (!infer->ctx) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
                 "No usable Vulkan device: %s", swin_error->message);
    g_error_free (swin_error);
    swin_model_free (model);
    return FALSE;
  }
  /* No fallback to fp32 when the device cannot hold fp16: the error says
   * so, and the user chooses. */
  infer->net = swin_net_new_full (infer->ctx, model, config->precision, &swin_error);
  swin_model_free (model);
  if (infer->net)
    infer->plan = swin_plan_new (infer->net, 1, infer->size, infer->size, &swin_error);
  if (infer->plan)
    infer->pp = swin_preprocessor_new (infer->plan, &swin_error);
  if (!infer->pp) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "Could not set up the model on %s: %s",
                 swin_context_get_device_name (infer->ctx), swin_error->message);
    g_error_free (swin_error);
    return FALSE;
  }

  /* One forward on a blank input: compiles what the driver compiles lazily
   * and gives the LATENCY query a measured value before the first frame. */
  memset (swin_plan_get_input (infer->plan), 0,
          (size_t) 3 * infer->size * infer->size * sizeof (gfloat));
  t0 = g_get_monotonic_time ();
  if (!swin_plan_run (infer->plan, &swin_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, "Inference failed: %s",
                 swin_error->message);
    g_error_free (swin_error);
    return FALSE;
  }
  infer->warmup_ms = (g_get_monotonic_time () - t0) / 1000.0;
  return TRUE;
}

GstSwinInfer *
gst_swin_infer_new (const GstSwinInferConfig *config, GstObject *owner, GError **error)
{
  GstSwinInfer *infer = g_new0 (GstSwinInfer, 1);
  SwinModel *model;

  g_mutex_init (&infer->lock);
  infer->owner = owner;
  infer->cpu_preprocess = config->cpu_preprocess;
  model = load_model (infer, config, error);
  if (!model || !setup_device (infer, config, model, error)) {
    gst_swin_infer_free (infer);
    return NULL;
  }
  infer->probs = g_new0 (gfloat, infer->num_classes);
  infer->order = g_new0 (gint, infer->num_classes);
  GST_INFO_OBJECT (owner, "model %s (%d classes, %dx%d) on %s; warm-up %.1f ms",
                   infer->model_name, infer->num_classes, infer->size, infer->size,
                   swin_context_get_device_name (infer->ctx), infer->warmup_ms);
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
  return infer->warmup_ms;
}

/* Whether @frame goes to the CPU backend's preprocessing: where asked, and
 * for frames larger than the device can bind at once (8K RGBx on
 * lavapipe), which the caps accepted and so must not fail: the CPU computes
 * the same function, slower.  Called with the lock held. */
static gboolean
preprocess_on_cpu (GstSwinInfer *infer, const SwinFrame *frame)
{
  if (infer->cpu_preprocess)
    return TRUE;
  if (swin_preprocessor_supports_size (infer->ctx, frame->format, frame->width, frame->height))
    return FALSE;
  if (infer->warned_width != frame->width || infer->warned_height != frame->height)
    GST_WARNING_OBJECT (infer->owner, "%dx%d frames exceed what %s can bind at once: "
                        "preprocessing them on the CPU", frame->width, frame->height,
                        swin_context_get_device_name (infer->ctx));
  infer->warned_width = frame->width;
  infer->warned_height = frame->height;
  return TRUE;
}

/* The result structure from the softmax scores in infer->probs. */
static GstStructure *
make_result (GstSwinInfer *infer, guint top_k, gdouble threshold)
{
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  gint k = MIN ((gint) top_k, infer->num_classes);
  GstStructure *s;

  swin_topk (infer->probs, infer->num_classes, k, infer->order);
  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (gint i = 0; i < k && infer->probs[infer->order[i]] >= threshold; i++) {
    gint c = infer->order[i];

    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, c);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, infer->labels[c]);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, infer->probs[c]);
    gst_value_array_append_and_take_value (&scores, &v);
  }
  s = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING,
                         infer->model_name, NULL);
  gst_structure_take_value (s, GST_SWIN_FIELD_CLASS_IDS, &ids);
  gst_structure_take_value (s, GST_SWIN_FIELD_LABELS, &labels);
  gst_structure_take_value (s, GST_SWIN_FIELD_SCORES, &scores);
  return s;
}

GstStructure *
gst_swin_infer_run (GstSwinInfer *infer, const SwinFrame *frame,
                    const SwinPreprocessParams *params, guint top_k, gdouble threshold,
                    GError **error)
{
  GstStructure *s = NULL;
  gboolean ok;

  g_mutex_lock (&infer->lock);
  if (preprocess_on_cpu (infer, frame))
    ok = swin_cpu_preprocess (frame, params, infer->size, infer->size,
                              swin_plan_get_input (infer->plan), error) &&
         swin_plan_run (infer->plan, error);
  else
    ok = swin_preprocessor_add_frame (infer->pp, frame, error) == 0 &&
         swin_preprocessor_add_image (infer->pp, 0, NULL, params, error) &&
         swin_preprocessor_run (infer->pp, error);
  if (!ok)
    swin_preprocessor_reset (infer->pp);
  if (ok) {
    memcpy (infer->probs, swin_plan_get_logits (infer->plan), infer->num_classes * sizeof (gfloat));
    swin_softmax (infer->probs, infer->num_classes);
    s = make_result (infer, top_k, threshold);
  }
  g_mutex_unlock (&infer->lock);
  return s;
}

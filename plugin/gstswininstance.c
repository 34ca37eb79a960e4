/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Model instances and the process-wide registry of shared ones (see
 * gstswininstance.h). */
#include "gstswininstance.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

struct _GstSwinInstance {
  gchar *id;                  /* NULL: private */
  gchar *model_path;
  gchar *device;              /* NULL: the default */
  SwinPrecision precision;
  guint batch_size;
  guint64 batch_timeout_us;
  gchar *creator;             /* the element that made it */
  guint users;                /* registry lock */

  SwinContext *ctx;
  SwinNet *net;
  SwinRunner *runner;
  SwinArch arch;
  gchar *model_name;
  gboolean has_normalization;
  gfloat mean[3], std[3];
  gdouble warmup_ms;
};

/* The shared instances by id; a lock held while one is made, so that two
 * elements starting together make it once. */
static GMutex registry_lock;
static GHashTable *registry;

static void
instance_free (GstSwinInstance *inst)
{
  swin_runner_free (inst->runner);
  swin_net_free (inst->net);
  swin_context_free (inst->ctx);
  g_free (inst->id);
  g_free (inst->model_path);
  g_free (inst->device);
  g_free (inst->creator);
  g_free (inst->model_name);
  g_free (inst);
}

/* One forward of a blank image through the queue: compiles what drivers
 * compile lazily, and measures a first latency. */
static gboolean
warm_up (GstSwinInstance *inst, GError **error)
{
  static const guint8 pixel[4] = { 0 };
  SwinFrame frame = { SWIN_PIXEL_FORMAT_RGBX, 1, 1, { pixel }, { 4 } };
  SwinPreprocessParams params;
  SwinRunnerRequest request = { &frame, NULL, 0, &params, FALSE, inst };
  gfloat *logits = g_new (gfloat, inst->arch.num_classes);
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  swin_preprocess_params_init (&params);
  ok = swin_runner_run (inst->runner, &request, logits, error);
  inst->warmup_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_free (logits);
  return ok;
}

static GstSwinInstance *
instance_new (const GstSwinInstanceConfig *config, GstElement *element, GError **error)
{
  GstSwinInstance *inst = g_new0 (GstSwinInstance, 1);
  SwinRunnerParams rp = { (int) config->batch_size, (gint64) config->batch_timeout_us };
  GError *swin_error = NULL;
  SwinModel *model;

  inst->id = config->instance_id && *config->instance_id ? g_strdup (config->instance_id) : NULL;
  inst->model_path = g_strdup (config->model_path);
  inst->device = config->device && *config->device ? g_strdup (config->device) : NULL;
  inst->precision = config->precision;
  inst->batch_size = config->batch_size;
  inst->batch_timeout_us = config->batch_timeout_us;
  inst->creator = gst_element_get_name (element);
  /* One producer cannot fill a batch by waiting: only shared queues wait. */
  if (!inst->id)
    rp.batch_timeout_us = 0;

  model = swin_model_load (config->model_path, &swin_error);
  if (!model) {
    g_set_error (error, GST_RESOURCE_ERROR,
                 swin_error->code == SWIN_ERROR_IO ? GST_RESOURCE_ERROR_OPEN_READ
                                                   : GST_RESOURCE_ERROR_READ,
                 "Could not load model \"%s\": %s", config->model_path, swin_error->message);
    goto error;
  }
  inst->arch = *swin_model_get_arch (model);
  inst->model_name = g_strdup (swin_model_get_name (model));
  inst->has_normalization = swin_model_get_normalization (model, inst->mean, inst->std);

  inst->ctx = swin_context_new (inst->device, &swin_error);
  if (!inst->ctx) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
                 "No usable Vulkan device: %s", swin_error->message);
    goto error;
  }
  /* No fallback to fp32 when the device cannot hold fp16: the error says
   * so, and the user chooses. */
  inst->net = swin_net_new_full (inst->ctx, model, config->precision, &swin_error);
  g_clear_pointer (&model, swin_model_free);
  if (inst->net)
    inst->runner = swin_runner_new (inst->net, &rp, &swin_error);
  if (!inst->runner || !warm_up (inst, &swin_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "Could not set up the model on %s: %s", swin_context_get_device_name (inst->ctx),
                 swin_error->message);
    goto error;
  }
  inst->users = 1;
  return inst;

error:
  g_clear_error (&swin_error);
  swin_model_free (model);
  instance_free (inst);
  return NULL;
}

/* The setting in which @config differs from @inst's model, or NULL. */
static const gchar *
model_mismatch (const GstSwinInstance *inst, const GstSwinInstanceConfig *config, gchar **mine,
                gchar **theirs)
{
  const gchar *device = config->device && *config->device ? config->device : NULL;

  if (g_strcmp0 (inst->model_path, config->model_path) != 0) {
    *mine = g_strdup (config->model_path);
    *theirs = g_strdup (inst->model_path);
    return "model";
  }
  if (g_strcmp0 (inst->device, device) != 0) {
    *mine = g_strdup (device ? device : "(default)");
    *theirs = g_strdup (inst->device ? inst->device : "(default)");
    return "device";
  }
  if (inst->precision != config->precision) {
    *mine = g_strdup (swin_precision_name (config->precision));
    *theirs = g_strdup (swin_precision_name (inst->precision));
    return "precision";
  }
  return NULL;
}

GstSwinInstance *
gst_swin_instance_acquire (const GstSwinInstanceConfig *config, GstElement *element,
                           gchar **warning, GError **error)
{
  GstSwinInstance *inst;

  *warning = NULL;
  if (!config->instance_id || !*config->instance_id)
    return instance_new (config, element, error);

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  inst = g_hash_table_lookup (registry, config->instance_id);
  if (inst) {
    gchar *mine = NULL, *theirs = NULL, *name = gst_element_get_name (element);
    const gchar *setting = model_mismatch (inst, config, &mine, &theirs);

    if (setting) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "model-instance-id \"%s\": %s has %s=%s, but %s, which made the shared "
                   "instance, has %s=%s", inst->id, name, setting, mine, inst->creator, setting,
                   theirs);
      inst = NULL;
    } else {
      if (inst->batch_size != config->batch_size || inst->batch_timeout_us != config->batch_timeout_us)
        *warning = g_strdup_printf ("model-instance-id \"%s\": %s asks for batch-size=%u "
                                    "batch-timeout=%" G_GUINT64_FORMAT ", but the shared instance "
                                    "keeps those of %s: batch-size=%u batch-timeout=%"
                                    G_GUINT64_FORMAT, inst->id, name, config->batch_size,
                                    config->batch_timeout_us, inst->creator, inst->batch_size,
                                    inst->batch_timeout_us);
      inst->users++;
      GST_INFO_OBJECT (element, "sharing model instance \"%s\" (%u users)", inst->id, inst->users);
    }
    g_free (mine);
    g_free (theirs);
    g_free (name);
  } else {
    inst = instance_new (config, element, error);
    if (inst)
      g_hash_table_insert (registry, inst->id, inst);
  }
  g_mutex_unlock (&registry_lock);
  return inst;
}

void
gst_swin_instance_release (GstSwinInstance *inst, gpointer owner)
{
  gboolean last;

  if (!inst)
    return;
  swin_runner_cancel (inst->runner, owner);
  g_mutex_lock (&registry_lock);
  last = --inst->users == 0;
  if (last && inst->id)
    g_hash_table_remove (registry, inst->id);
  g_mutex_unlock (&registry_lock);
  if (last)
    instance_free (inst);
}

SwinRunner *
gst_swin_instance_get_runner (const GstSwinInstance *inst)
{
  return inst->runner;
}

const SwinArch *
gst_swin_instance_get_arch (const GstSwinInstance *inst)
{
  return &inst->arch;
}

const gchar *
gst_swin_instance_get_model_name (const GstSwinInstance *inst)
{
  return inst->model_name;
}

const gchar *
gst_swin_instance_get_device_name (const GstSwinInstance *inst)
{
  return swin_context_get_device_name (inst->ctx);
}

gboolean
gst_swin_instance_get_normalization (const GstSwinInstance *inst, gfloat mean[3], gfloat std[3])
{
  if (!inst->has_normalization)
    return FALSE;
  memcpy (mean, inst->mean, sizeof (inst->mean));
  memcpy (std, inst->std, sizeof (inst->std));
  return TRUE;
}

gboolean
gst_swin_instance_can_bind (const GstSwinInstance *inst, const SwinFrame *frame)
{
  return swin_preprocessor_supports_size (inst->ctx, frame->format, frame->width, frame->height);
}

gdouble
gst_swin_instance_get_warmup_ms (const GstSwinInstance *inst)
{
  return inst->warmup_ms;
}

guint
gst_swin_instance_get_users (const GstSwinInstance *inst)
{
  guint users;

  g_mutex_lock (&registry_lock);
  users = inst->users;
  g_mutex_unlock (&registry_lock);
  return users;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Model instances and the process-wide registry of shared ones (see
 * gstswininstance.h). */
#include "gstswininstance.h"

#include <glib/gstdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
GST_DEBUG_CATEGORY_EXTERN (gst_swin_core_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

struct _GstSwinInstance {
  gchar *id;                  /* NULL: private */
  GstSwinInstanceParams params;   /* its strings owned */
  gchar *creator;             /* the element that made it */

  /* registry_lock */
  guint users;
  gboolean loading;           /* being set up by the creator */
  GError *load_error;         /* why the set-up failed, for those that waited */

  SwinContext *ctx;
  SwinNet *net;
  GstSwinInstanceInfo info;   /* fixed once loaded */

  /* The elements the core's reports about this instance are logged
   * against (not references: each leaves before it goes). */
  GMutex log_lock;
  GPtrArray *elements;
};

/* The shared instances by id.  The lock guards the table and the users,
 * never a model load: an instance being set up is in the table, marked
 * loading, and elements with its id wait on registry_cond. */
static GMutex registry_lock;
static GCond registry_cond;
static GHashTable *registry;

static void
instance_free (GstSwinInstance *inst)
{
  swin_runner_free (inst->info.runner);
  swin_net_free (inst->net);
  swin_context_free (inst->ctx);
  g_clear_error (&inst->load_error);
  g_free (inst->id);
  g_free ((gchar *) inst->params.model_path);
  g_free ((gchar *) inst->params.device);
  g_free ((gchar *) inst->info.model_name);
  g_free (inst->creator);
  g_ptr_array_unref (inst->elements);
  g_mutex_clear (&inst->log_lock);
  g_free (inst);
}

/* The context's log handler: each report goes to the debug log of every
 * element using the instance (GST_DEBUG=swincore:5 names them), or, once
 * none is left (the teardown), to the category alone. */
static void
instance_log (SwinLogLevel level, const char *message, void *data)
{
  static const GstDebugLevel levels[] = { GST_LEVEL_WARNING, GST_LEVEL_INFO, GST_LEVEL_DEBUG };
  GstSwinInstance *inst = data;

  g_mutex_lock (&inst->log_lock);
  for (guint i = 0; i < inst->elements->len; i++)
    GST_CAT_LEVEL_LOG (gst_swin_core_debug, levels[level], g_ptr_array_index (inst->elements, i),
                       "%s", message);
  if (inst->elements->len == 0)
    GST_CAT_LEVEL_LOG (gst_swin_core_debug, levels[level], NULL, "model instance \"%s\": %s",
                       inst->id ? inst->id : "(private)", message);
  g_mutex_unlock (&inst->log_lock);
}

static void
instance_add_element (GstSwinInstance *inst, GstElement *element)
{
  g_mutex_lock (&inst->log_lock);
  g_ptr_array_add (inst->elements, element);
  g_mutex_unlock (&inst->log_lock);
}

static void
instance_remove_element (GstSwinInstance *inst, GstElement *element)
{
  g_mutex_lock (&inst->log_lock);
  g_ptr_array_remove (inst->elements, element);
  g_mutex_unlock (&inst->log_lock);
}

/* One forward of a blank image through the queue: compiles what drivers
 * compile lazily, and measures a first latency. */
static gboolean
warm_up (GstSwinInstance *inst, GError **error)
{
  static const guint8 pixel[4] = { 0 };
  SwinFrame frame = { SWIN_PIXEL_FORMAT_RGBX, 1, 1, { pixel }, { 4 } };
  SwinPreprocessParams params;
  SwinRunnerRequest request = { .frame = &frame, .params = &params, .owner = inst };
  gfloat *logits = g_new (gfloat, inst->info.arch.num_classes);
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  swin_preprocess_params_init (&params);
  ok = swin_runner_run (inst->info.runner, &request, logits, NULL, error);
  inst->info.warmup_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_free (logits);
  return ok;
}

static GstSwinInstance *
instance_new (const GstSwinInstanceParams *params, GstElement *element)
{
  GstSwinInstance *inst = g_new0 (GstSwinInstance, 1);

  inst->id = params->instance_id && *params->instance_id ? g_strdup (params->instance_id) : NULL;
  inst->params = *params;
  inst->params.instance_id = inst->id;
  inst->params.model_path = g_strdup (params->model_path);
  inst->params.device = params->device && *params->device ? g_strdup (params->device) : NULL;
  inst->creator = gst_element_get_name (element);
  inst->users = 1;
  g_mutex_init (&inst->log_lock);
  /* the creator hears about the load */
  inst->elements = g_ptr_array_new ();
  g_ptr_array_add (inst->elements, element);
  return inst;
}

/* Loads the model, opens the device and warms up: slow (a model read, a
 * shader compile), so never under registry_lock. */
static gboolean
instance_load (GstSwinInstance *inst, GError **error)
{
  SwinRunnerParams rp = {
    .max_batch = (int) inst->params.batch_size,
    /* One producer cannot fill a batch by waiting: only shared queues wait. */
    .batch_timeout_ns = inst->id ? inst->params.batch_timeout_ns : 0,
  };
  GError *swin_error = NULL;
  SwinModel *model;

  model = swin_model_load (inst->params.model_path, &swin_error);
  if (!model) {
    g_set_error (error, GST_RESOURCE_ERROR,
                 swin_error->code == SWIN_ERROR_IO ? GST_RESOURCE_ERROR_OPEN_READ
                                                   : GST_RESOURCE_ERROR_READ,
                 "Could not load model \"%s\": %s", inst->params.model_path, swin_error->message);
    g_clear_error (&swin_error);
    return FALSE;
  }
  inst->info.arch = *swin_model_get_arch (model);
  inst->info.model_name = g_strdup (swin_model_get_name (model));
  inst->info.has_normalization = swin_model_get_normalization (model, inst->info.mean, inst->info.std);

  inst->ctx = swin_context_new (&(SwinContextParams) { .device = inst->params.device,
                                                      .log_func = instance_log, .log_data = inst },
                               &swin_error);
  if (!inst->ctx) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
                 "No usable Vulkan device: %s", swin_error->message);
    g_clear_error (&swin_error);
    swin_model_free (model);
    return FALSE;
  }
  inst->info.device_name = swin_context_get_device_name (inst->ctx);
  /* No fallback to fp32 when the device cannot hold fp16: the error says
   * so, and the user chooses. */
  inst->net = swin_net_new_full (inst->ctx, model, inst->params.precision, &swin_error);
  swin_model_free (model);
  if (inst->net)
    inst->info.runner = swin_runner_new (inst->net, &rp, &swin_error);
  if (!inst->info.runner || !warm_up (inst, &swin_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "Could not set up the model on %s: %s", inst->info.device_name, swin_error->message);
    g_clear_error (&swin_error);
    return FALSE;
  }
  return TRUE;
}

/* Whether @a and @b name the same file (another path, a link). */
static gboolean
same_file (const gchar *a, const gchar *b)
{
  GStatBuf sa, sb;

  if (g_strcmp0 (a, b) == 0)
    return TRUE;
  return a && b && g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* Whether @device selects the device @inst runs on: the same setting, or
 * another that chooses the same device ("0" and the default). */
static gboolean
same_device (const GstSwinInstance *inst, const gchar *device)
{
  SwinContext *probe;
  gboolean same;

  if (g_strcmp0 (inst->params.device, device) == 0)
    return TRUE;
  probe = swin_context_new (&(SwinContextParams) { .device = device }, NULL);
  same = probe && swin_context_same_device (probe, inst->ctx);
  swin_context_free (probe);
  return same;
}

/* The setting in which @params differs from @inst's model, or NULL. */
static const gchar *
model_mismatch (const GstSwinInstance *inst, const GstSwinInstanceParams *params, gchar **mine,
                gchar **theirs)
{
  const gchar *device = params->device && *params->device ? params->device : NULL;

  if (!same_file (inst->params.model_path, params->model_path)) {
    *mine = g_strdup (params->model_path);
    *theirs = g_strdup (inst->params.model_path);
    return "model";
  }
  if (!same_device (inst, device)) {
    *mine = g_strdup (device ? device : "(default)");
    *theirs = g_strdup_printf ("%s (%s)", inst->params.device ? inst->params.device : "(default)",
                               inst->info.device_name);
    return "device";
  }
  if (inst->params.precision != params->precision) {
    *mine = g_strdup (swin_precision_name (params->precision));
    *theirs = g_strdup (swin_precision_name (inst->params.precision));
    return "precision";
  }
  return NULL;
}

/* Gives up one share; the last frees the instance (a private one has
 * one share and is in no table). */
static void
instance_unref (GstSwinInstance *inst)
{
  gboolean last;

  g_mutex_lock (&registry_lock);
  last = --inst->users == 0;
  if (last && inst->id && g_hash_table_lookup (registry, inst->id) == inst)
    g_hash_table_remove (registry, inst->id);
  g_mutex_unlock (&registry_lock);
  if (last)
    instance_free (inst);
}

/* A share of the shared instance @inst for @element, once it is loaded;
 * NULL with @error if it failed to load or does not match @params. */
static GstSwinInstance *
join_shared (GstSwinInstance *inst, const GstSwinInstanceParams *params, GstElement *element,
             gchar **warning, GError **error)
{
  gchar *mine = NULL, *theirs = NULL, *name;
  const gchar *setting;

  /* called with registry_lock held, and a share taken; returns without */
  while (inst->loading)
    g_cond_wait (&registry_cond, &registry_lock);
  g_mutex_unlock (&registry_lock);
  if (inst->load_error) {
    g_propagate_error (error, g_error_copy (inst->load_error));
    instance_unref (inst);
    return NULL;
  }

  name = gst_element_get_name (element);
  setting = model_mismatch (inst, params, &mine, &theirs);
  if (setting) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "model-instance-id \"%s\": %s has %s=%s, but %s, which made the shared "
                 "instance, has %s=%s", inst->id, name, setting, mine, inst->creator, setting,
                 theirs);
    instance_unref (inst);
    inst = NULL;
  } else {
    if (inst->params.batch_size != params->batch_size ||
        inst->params.batch_timeout_ns != params->batch_timeout_ns)
      *warning = g_strdup_printf ("model-instance-id \"%s\": %s asks for batch-size=%u "
                                  "batch-timeout=%" G_GUINT64_FORMAT ", but the shared instance "
                                  "keeps those of %s: batch-size=%u batch-timeout=%"
                                  G_GUINT64_FORMAT, inst->id, name, params->batch_size,
                                  params->batch_timeout_ns, inst->creator, inst->params.batch_size,
                                  inst->params.batch_timeout_ns);
    GST_INFO_OBJECT (element, "sharing model instance \"%s\" (%u users)", inst->id,
                     gst_swin_instance_get_users (inst));
  }
  g_free (mine);
  g_free (theirs);
  g_free (name);
  return inst;
}

GstSwinInstance *
gst_swin_instance_acquire (const GstSwinInstanceParams *params, GstElement *element,
                           gchar **warning, GError **error)
{
  GstSwinInstance *inst;
  GError *load_error = NULL;
  gboolean ok;

  *warning = NULL;
  if (!params->instance_id || !*params->instance_id) {
    inst = instance_new (params, element);
    if (!instance_load (inst, error)) {
      instance_free (inst);
      return NULL;
    }
    swin_runner_attach (inst->info.runner, element);
    return inst;
  }

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  inst = g_hash_table_lookup (registry, params->instance_id);
  if (inst) {
    inst->users++;
    inst = join_shared (inst, params, element, warning, error);
    if (inst) {
      instance_add_element (inst, element);
      swin_runner_attach (inst->info.runner, element);
    }
    return inst;
  }
  /* The placeholder others find while the model loads. */
  inst = instance_new (params, element);
  inst->loading = TRUE;
  g_hash_table_insert (registry, inst->id, inst);
  g_mutex_unlock (&registry_lock);

  ok = instance_load (inst, &load_error);

  g_mutex_lock (&registry_lock);
  inst->loading = FALSE;
  if (!ok) {
    /* a later element with this id tries anew; those waiting get the error */
    inst->load_error = g_error_copy (load_error);
    g_hash_table_remove (registry, inst->id);
  }
  g_cond_broadcast (&registry_cond);
  g_mutex_unlock (&registry_lock);
  if (!ok) {
    g_propagate_error (error, load_error);
    instance_unref (inst);
    return NULL;
  }
  swin_runner_attach (inst->info.runner, element);
  return inst;
}

void
gst_swin_instance_release (GstSwinInstance *inst, GstElement *element)
{
  if (!inst)
    return;
  swin_runner_detach (inst->info.runner, element);
  instance_remove_element (inst, element);
  instance_unref (inst);
}

const GstSwinInstanceInfo *
gst_swin_instance_get_info (const GstSwinInstance *inst)
{
  return &inst->info;
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

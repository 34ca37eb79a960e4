/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Model instances: a model on a Vulkan device with its request queue (a
 * SwinRunner), private to one element or shared by every element of the
 * process with the same model-instance-id. */
#pragma once

#include <gst/gst.h>

#include "swin/swin.h"

G_BEGIN_DECLS

/* What defines an instance (model, device, precision: must agree between
 * the elements that share it) and how its queue batches (taken from the
 * element that creates it). */
typedef struct {
  const gchar *instance_id;   /* NULL or "": a private instance */
  const gchar *model_path;
  const gchar *device;        /* NULL: the default device */
  SwinPrecision precision;
  guint batch_size;           /* images per forward */
  guint64 batch_timeout_us;   /* how long a request may wait for a batch to fill */
} GstSwinInstanceConfig;

typedef struct _GstSwinInstance GstSwinInstance;

/* The instance of @config->instance_id, made on first use (the model loaded,
 * uploaded and warmed up), else shared.  @element is the one taking a share
 * (for messages).  NULL with @error (GST_RESOURCE_ERROR) when the model or
 * the device cannot be set up, or when an element holding the instance
 * uses another model, device or precision: the message names both elements
 * and the setting.  When the batching settings differ from the instance's,
 * *@warning (g_free() it) says which ones the instance keeps. */
GstSwinInstance *gst_swin_instance_acquire (const GstSwinInstanceConfig *config, GstElement *element,
                                            gchar **warning, GError **error);
/* Withdraws @owner's waiting requests, waits for its running ones and gives
 * up the share; the last share frees the instance. */
void gst_swin_instance_release (GstSwinInstance *instance, gpointer owner);

SwinRunner *gst_swin_instance_get_runner (const GstSwinInstance *instance);
const SwinArch *gst_swin_instance_get_arch (const GstSwinInstance *instance);
const gchar *gst_swin_instance_get_model_name (const GstSwinInstance *instance);
const gchar *gst_swin_instance_get_device_name (const GstSwinInstance *instance);
/* The checkpoint's own mean/std (see swin_model_get_normalization()). */
gboolean gst_swin_instance_get_normalization (const GstSwinInstance *instance, gfloat mean[3],
                                              gfloat std[3]);
/* Whether the device can preprocess @frame (else the CPU does). */
gboolean gst_swin_instance_can_bind (const GstSwinInstance *instance, const SwinFrame *frame);
/* Milliseconds the warm-up forward took. */
gdouble gst_swin_instance_get_warmup_ms (const GstSwinInstance *instance);
/* Elements sharing the instance. */
guint gst_swin_instance_get_users (const GstSwinInstance *instance);

G_END_DECLS

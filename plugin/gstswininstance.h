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
 * element that creates it).  Zero fields take the runner's defaults. */
typedef struct {
  const gchar *instance_id;   /* NULL or "": a private instance */
  const gchar *model_path;
  const gchar *device;        /* NULL or "": the default device */
  SwinPrecision precision;
  guint batch_size;           /* images per forward */
  guint64 batch_timeout_ns;   /* how long a request may wait for a batch to fill */
} GstSwinInstanceParams;

/* What an element reads of its instance; fixed once it is set up. */
typedef struct {
  SwinRunner *runner;
  SwinArch arch;
  const gchar *model_name;    /* the checkpoint's file name without extension */
  const gchar *device_name;
  gboolean has_normalization; /* the checkpoint's own mean/std */
  gfloat mean[3], std[3];
  gdouble warmup_ms;          /* the warm-up forward: a first latency */
} GstSwinInstanceInfo;

typedef struct _GstSwinInstance GstSwinInstance;

/* The instance of @params->instance_id, made on first use (the model loaded,
 * uploaded and warmed up), else shared; @element becomes one of its
 * producers (swin_runner_attach()) and receives the core's log lines about
 * it.  A shared instance is set up outside the registry's lock: elements
 * with other ids never wait for it, those with the same id wait until it
 * is ready (or failed: they get its error).  NULL with @error
 * (GST_RESOURCE_ERROR) when the model or the device cannot be set up, or
 * when the instance has another model (another file: paths that name the
 * same file agree), device (the one actually chosen) or precision: the
 * message names both elements and the setting.  When the batching settings
 * differ from the instance's, *@warning (g_free() it) says which ones the
 * instance keeps. */
GstSwinInstance *gst_swin_instance_acquire (const GstSwinInstanceParams *params, GstElement *element,
                                            gchar **warning, GError **error);
/* Withdraws @element's requests, waits for its running ones and gives up
 * its share; the last share frees the instance. */
void gst_swin_instance_release (GstSwinInstance *instance, GstElement *element);

const GstSwinInstanceInfo *gst_swin_instance_get_info (const GstSwinInstance *instance);
/* Elements sharing the instance. */
guint gst_swin_instance_get_users (const GstSwinInstance *instance);

G_END_DECLS

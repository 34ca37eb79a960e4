/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classifier behind one element: its share of a model instance (private
 * or shared through model-instance-id), its labels and normalisation;
 * turns a frame, or regions of it, into result structures (the fields of
 * gstswinmeta.h). */
#pragma once

#include <gst/gst.h>

#include "swin/swin.h"

G_BEGIN_DECLS

/* What gst_swin_infer_new() needs: the element's start-time settings. */
typedef struct {
  const gchar *model_path;  /* required */
  const gchar *labels_path; /* NULL: ImageNet's names for 1000 classes, else "class N" */
  const gchar *device;      /* NULL: the default device */
  const gchar *mean;        /* NULL: the checkpoint's, else ImageNet's */
  const gchar *std;
  SwinScaleMode scale_mode;
  SwinPrecision precision;
  gboolean cpu_preprocess;  /* preprocess every image on the CPU */
  const gchar *instance_id; /* model-instance-id; NULL or "": private */
  guint batch_size;         /* images per forward */
  guint64 batch_timeout_us; /* a shared instance's wait for a batch to fill */
} GstSwinInferConfig;

typedef struct _GstSwinInfer GstSwinInfer;

/* Takes a share of the model instance (loading the model, opening the
 * device and warming up when the instance is new), loads the labels and
 * the normalisation.  NULL with @error in GST_RESOURCE_ERROR (the code says
 * which step failed) otherwise; *@warning (g_free()) when the instance keeps
 * batching settings other than @config's.  @owner: the element; it must
 * outlive the result. */
GstSwinInfer *gst_swin_infer_new (const GstSwinInferConfig *config, GstElement *owner,
                                  gchar **warning, GError **error);
/* Withdraws this element's requests and gives up its share. */
void gst_swin_infer_free (GstSwinInfer *infer);

/* Scale mode, mean and std; the colours come from each stream's caps. */
const SwinPreprocessParams *gst_swin_infer_get_params (const GstSwinInfer *infer);
/* Milliseconds the instance's warm-up forward took: a first latency. */
gdouble gst_swin_infer_get_warmup_ms (const GstSwinInfer *infer);
/* The model's name (the checkpoint's file name without extension). */
const gchar *gst_swin_infer_get_model_name (const GstSwinInfer *infer);

/* Classifies @n_rects regions of @frame (@rects NULL: the whole frame, one
 * result) in as few forwards as the batch size allows: @results[i] becomes
 * the @top_k best classes of image i whose softmax score is at least
 * @threshold, as a GST_SWIN_META_NAME structure without age or frame
 * number.  Frames the device cannot bind are preprocessed on the CPU.  Any
 * thread.  FALSE with @error on failure (no results then). */
gboolean gst_swin_infer_run (GstSwinInfer *infer, const SwinFrame *frame, const SwinRect *rects,
                             guint n_rects, const SwinPreprocessParams *params, guint top_k,
                             gdouble threshold, GstStructure **results, GError **error);

G_END_DECLS

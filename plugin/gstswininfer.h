/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The classifier behind the element: a model on a Vulkan device with its
 * labels and normalisation, turning one frame into a result structure (the
 * fields of gstswinmeta.h). */
#pragma once

#include <gst/gst.h>

#include "swin/swin.h"
#include "swin/swin_preprocess.h"

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
  gboolean cpu_preprocess;  /* preprocess every frame on the CPU */
} GstSwinInferConfig;

typedef struct _GstSwinInfer GstSwinInfer;

/* Loads the model, the labels and the normalisation, opens the device and
 * runs one warm-up forward.  NULL with @error in GST_RESOURCE_ERROR (the
 * code says which step failed) otherwise.  @owner: the element, for log
 * messages; it must outlive the result. */
GstSwinInfer *gst_swin_infer_new (const GstSwinInferConfig *config, GstObject *owner,
                                  GError **error);
void gst_swin_infer_free (GstSwinInfer *infer);

/* Scale mode, mean and std; the colours come from each stream's caps. */
const SwinPreprocessParams *gst_swin_infer_get_params (const GstSwinInfer *infer);
/* Milliseconds the warm-up forward took: the first latency estimate. */
gdouble gst_swin_infer_get_warmup_ms (const GstSwinInfer *infer);

/* Classifies @frame: the @top_k best classes whose softmax score is at
 * least @threshold, as a GST_SWIN_META_NAME structure without age or frame
 * number.  Frames the device cannot preprocess (see
 * swin_preprocessor_supports_size()) are preprocessed on the CPU.  Any
 * thread; calls are serialised.  NULL with @error on failure. */
GstStructure *gst_swin_infer_run (GstSwinInfer *infer, const SwinFrame *frame,
                                  const SwinPreprocessParams *params, guint top_k,
                                  gdouble threshold, GError **error);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The swinclassify instance, shared by the two files of the element:
 * gstswinclassify.c (properties, start and stop) and
 * gstswinclassifystream.c (frames, caps, events and queries). */
#pragma once

#include <gst/video/video.h>

#include "gstswinclassify.h"
#include "gstswininfer.h"
#include "gstswinregions.h"
#include "gstswinresults.h"
#include "gstswinsettings.h"
#include "gstswinworker.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);

struct _GstSwinClassify {
  GstBaseTransform parent;

  /* Properties and statistics: object lock. */
  gchar *model_path;
  gchar *labels_path;
  gchar *device;
  guint top_k;
  gdouble threshold;
  guint interval;
  GstSwinClassifyMode mode;
  gboolean post_messages;
  SwinScaleMode scale_mode;
  gchar *mean;
  gchar *std;
  GstSwinClassifyBackend backend;
  SwinPrecision precision;
  GstSwinClassifyRegion region;
  gchar *object_class;
  gchar *min_roi_size;
  GstSwinResultName result_name;  /* its quark: object lock */
  guint batch_size;
  guint64 batch_timeout;
  gchar *instance_id;
  guint64 frames_inferred;
  gdouble latency_ms;
  gboolean running;               /* between a successful start() and stop() */
  GstClockTime reported_latency;  /* what the last LATENCY query added */
  GstClockTime earliest_time;     /* from QoS events; running time */

  /* Set in start(), released in stop(); read-only in between. */
  GstSwinInfer *infer;
  GstSwinWorker *worker;          /* async mode only */
  GstSwinClassifyMode run_mode;
  GstSwinClassifyRegion run_region;
  GArray *classes;                /* object-class as GQuarks; NULL: every type */
  gint min_roi_width, min_roi_height;

  /* Streaming thread only. */
  GstVideoInfo info;
  SwinPreprocessParams frame_params;

  GstSwinResults results;
};

/* gstswinclassifyprops.c: the properties, their defaults and accessors. */
void gst_swin_classify_install_properties (GObjectClass *gobject_class);
void gst_swin_classify_init_properties (GstSwinClassify *self);
void gst_swin_classify_set_property (GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec);
void gst_swin_classify_get_property (GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec);

/* Installs the streaming vfuncs of gstswinclassifystream.c. */
void gst_swin_classify_stream_class_init (GstBaseTransformClass *trans_class);

/* Classifies @job, keeps its result and posts its message: the step of
 * both modes (a GstSwinWorkerFunc; @self is the element).  FALSE after
 * posting an error. */
gboolean gst_swin_classify_process (const GstSwinJob *job, gpointer self);

G_END_DECLS

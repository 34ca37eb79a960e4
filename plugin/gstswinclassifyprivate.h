/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The swinclassify instance, shared by the files of the element:
 * gstswinclassify.c (start and stop), gstswinclassifyprops.c (properties)
 * gstswinclassifystream.c (frames, caps, events and queries) and
 * gstswinclassifyroilist.c (regions as tracked objects). */
#pragma once

#include <gst/video/video.h>

#include "gstswinclassify.h"
#include "gstswininstance.h"
#include "gstswinlabels.h"
#include "gstswinregions.h"
#include "gstswinresults.h"
#include "gstswinsettings.h"
#include "gstswintracker.h"

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
  gboolean mean_set, std_set;     /* else the checkpoint's, else ImageNet's */
  gfloat mean[3], std[3];
  GstSwinClassifyBackend backend;
  SwinPrecision precision;
  GstSwinClassifyRegion region;
  gchar *object_class;
  gchar *min_roi_size;
  GstSwinResultName result_name;  /* its quark: object lock */
  gboolean features;
  guint batch_size;
  guint64 batch_timeout;          /* nanoseconds */
  gchar *instance_id;
  guint64 frames_inferred;
  gdouble latency_ms;
  /* Objects across frames (inference-region=roi-list, gstswintracker.h). */
  guint reclassify_interval;
  gdouble reclassify_growth;      /* box area factor; 0: never */
  GstSwinSmoothing smoothing;
  guint smoothing_window;
  gdouble iou_threshold;
  guint track_max_age;
  gchar *max_roi_size;
  GstSwinEdgeRegions edge_regions;
  guint max_regions;
  gboolean running;               /* between a successful start() and stop() */
  GstClockTime reported_latency;  /* what the last LATENCY query added */
  GstClockTime earliest_time;     /* from QoS events; running time */

  /* Set in start(), released in stop(); read-only in between. */
  GstSwinInstance *instance;
  const GstSwinInstanceInfo *model;   /* the instance's */
  GstSwinLabels *labels;
  SwinPreprocessParams params;    /* scale mode, mean, std; colours from the caps */
  gboolean cpu_preprocess;
  GstSwinClassifyMode run_mode;
  GstSwinClassifyRegion run_region;
  gboolean run_features;
  GArray *classes;                /* object-class as GQuarks; NULL: every type */
  gint min_roi_width, min_roi_height;
  GstSwinRegionFilter filter;     /* its classes are @classes */
  GstSwinTracker *tracker;        /* roi-list only; cleared by flush and caps */

  /* Streaming thread only. */
  GstVideoInfo info;
  SwinPreprocessParams frame_params;

  GstSwinResults results;
  gint failed;                    /* atomic: an async classification failed and said so */
  gint regions_job;               /* atomic: an async roi-list request is out */
  /* The last frame size said to be preprocessed on the CPU: object lock. */
  gint warned_width, warned_height;
};

/* gstswinclassifyprops.c: the properties, their defaults and accessors. */
void gst_swin_classify_install_properties (GObjectClass *gobject_class);
void gst_swin_classify_init_properties (GstSwinClassify *self);
void gst_swin_classify_set_property (GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec);
void gst_swin_classify_get_property (GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec);

/* What the output properties say now (they may change while playing). */
typedef struct {
  guint top_k;
  gdouble threshold;
  gboolean post;
  GQuark result_name;        /* of region results */
} GstSwinOutputSettings;

/* gstswinclassifystream.c: the steps a whole frame and regions share. */
GstSwinOutputSettings gst_swin_classify_output_settings (GstSwinClassify *self);
/* The request for @n_rects regions of @frame (@rects NULL: the whole
 * frame), lent to the instance's runner. */
SwinRunnerRequest gst_swin_classify_request (GstSwinClassify *self, const SwinFrame *frame,
                                             const SwinRect *rects, guint n_rects);
void gst_swin_classify_note_cpu (GstSwinClassify *self, SwinPreprocessedOn on, gint width,
                                 gint height);
gboolean gst_swin_classify_count (GstSwinClassify *self, gint64 t0);
gfloat *gst_swin_classify_run (GstSwinClassify *self, const SwinFrame *frame, const SwinRect *rects,
                               guint n_rects, gfloat **features);

/* gstswinclassifyroilist.c: inference-region=roi-list. */
gboolean gst_swin_classify_process_regions (GstSwinClassify *self, GstBuffer *buf,
                                            const GstSwinFramePosition *pos, gboolean may_infer);

/* Installs the streaming vfuncs of gstswinclassifystream.c. */
void gst_swin_classify_stream_class_init (GstBaseTransformClass *trans_class);

G_END_DECLS

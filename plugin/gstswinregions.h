/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inference-region=roi-list: which regions of interest of a frame are
 * classified, and how their results are attached and reported. */
#pragma once

#include <gst/video/video.h>

#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

/* A region to classify: where it came from, its box as the detector gave
 * it, and its rectangle clipped to the frame. */
typedef struct {
  /* NULL: a detection with no region meta (gst_swin_analytics_attach()
   * gives it one before its result is attached) */
  GstVideoRegionOfInterestMeta *meta;
  gint id;                  /* the region meta's id, else the detection's */
  GQuark type;              /* the detector's class (roi_type) */
  guint x, y, w, h;         /* the region meta's box (a detection's: @rect) */
  SwinRect rect;
  gint od_id;               /* its GstAnalyticsODMtd's id; -1: none */
  gint64 track_id;          /* the identity an upstream tracker gave it; -1: none */
} GstSwinRegion;

/* Which regions of a @width x @height frame are classified: those whose
 * type is in @classes (gst_swin_settings_object_class() quarks, so compared
 * without regard to case; NULL: every type) and that are, clipped to the
 * frame, still at least @min_width x @min_height. */
typedef struct {
  gint width, height;
  const GArray *classes;
  gint min_width, min_height;
} GstSwinRegionFilter;

/* Clips @r (its id, type and source filled in) whose box is @x, @y, @w, @h
 * (64 bits: a hostile x + w may overflow 32) to the frame and appends it
 * to @regions if @filter keeps it; otherwise logs why on @owner, at DEBUG
 * level. */
void gst_swin_regions_consider (GstObject *owner, GArray *regions, GstSwinRegion *r, gint64 x,
                                gint64 y, gint64 w, gint64 h, const GstSwinRegionFilter *filter);

/* The regions of @buf's GstVideoRegionOfInterestMeta that @filter keeps, as
 * a GArray of GstSwinRegion. */
GArray *gst_swin_regions_collect (GstObject *owner, GstBuffer *buf, const GstSwinRegionFilter *filter);

/* The result-name property of an element: the name of its region
 * results, and whether it warned that another element's results of that
 * name were on a region.  @quark under the element's object lock; @warned
 * streaming thread only. */
typedef struct {
  GQuark quark;
  gboolean warned;
} GstSwinResultName;

/* Whether @name can be a result-name: a GstStructure name (an ASCII
 * letter, then letters, digits and "/-_.:+") that is none of the keys the
 * JSON form gives a region itself (gstswinjson.h).  FALSE with @error
 * (GST_RESOURCE_ERROR_SETTINGS) saying why. */
gboolean gst_swin_regions_check_name (const gchar *name, GError **error);

/* Adds a structure named @name (see gstswinmeta.h) to each region's meta,
 * from @results[i] (GST_SWIN_META_NAME structures, not taken): "label",
 * "label_id", "confidence" (the best class; absent when no class passed the
 * threshold), "model_name", and the top-k as "class-ids", "labels",
 * "scores", and "frame" (@frame, the buffer's number in the stream).  A
 * parameter of that name already on a region (another classifier with the
 * same result-name) is replaced, with one GST_ELEMENT_WARNING on @owner the
 * first time (@warned: whether it was posted). */
void gst_swin_regions_attach (GstElement *owner, const GArray *regions, GstStructure **results,
                              guint64 frame, GQuark name, gboolean *warned);

/* The element message's list of classified regions: sets "regions" of
 * @message to an array of structures "region" {id, roi-type, x, y, w, h,
 * class-ids, labels, scores}, from @results (not taken). */
void gst_swin_regions_describe (const GArray *regions, GstStructure **results, GstStructure *message);

G_END_DECLS

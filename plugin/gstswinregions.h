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

/* What to do with a region that touches the frame's edge (the object is
 * probably cut off). */
typedef enum {
  GST_SWIN_EDGE_KEEP,        /* classify it as any other */
  GST_SWIN_EDGE_SKIP,        /* skip it */
  GST_SWIN_EDGE_HOLD,        /* keep its track's result, classify it only if it has none */
} GstSwinEdgeRegions;

#define GST_TYPE_SWIN_EDGE_REGIONS (gst_swin_edge_regions_get_type ())
GType gst_swin_edge_regions_get_type (void);

/* Which regions of a @width x @height frame are classified (the element's
 * region properties): those whose type is in @classes
 * (gst_swin_settings_object_class() quarks, so compared without regard to
 * case; NULL: every type), that are, clipped to the frame, at least min and
 * at most max in size, not at the edge if so filtered, and the max_regions
 * largest of those. */
typedef struct {
  gint width, height;
  const GArray *classes;
  gint min_width, min_height;
  gint max_width, max_height;   /* 0: no maximum */
  GstSwinEdgeRegions edge;
  guint max_regions;         /* per frame, largest first; 0: all */
} GstSwinRegionFilter;

/* The regions skipped on a frame, per reason (the element message's
 * "skipped"). */
typedef struct {
  guint object_class, outside, min_size, max_size, edge, max_regions, untracked;
} GstSwinRegionSkips;

/* Clips @r (its id, type, source and track_id filled in) whose box is @x,
 * @y, @w, @h (64 bits: a hostile x + w may overflow 32) to the frame and
 * appends it to @regions if @filter keeps it (all but max_regions, see
 * gst_swin_regions_limit()); otherwise counts it in @skips and logs why on
 * @owner, at DEBUG level. */
void gst_swin_regions_consider (GstObject *owner, GArray *regions, GstSwinRegion *r, gint64 x,
                                gint64 y, gint64 w, gint64 h, const GstSwinRegionFilter *filter,
                                GstSwinRegionSkips *skips);

/* The regions of @buf's GstVideoRegionOfInterestMeta that @filter keeps
 * (max_regions aside), as a GArray of GstSwinRegion; @skips is reset, then
 * counts the others.  A region meta with DL Streamer's "object_id"
 * parameter (an int "id", written by gvatrack) gets that id as track_id. */
GArray *gst_swin_regions_collect (GstObject *owner, GstBuffer *buf,
                                  const GstSwinRegionFilter *filter, GstSwinRegionSkips *skips);

/* Keeps the @filter->max_regions largest of @regions (ties: the first), in
 * their order, counting the others in @skips; after every source of
 * regions (region metas, detections) was collected. */
void gst_swin_regions_limit (GstObject *owner, GArray *regions, const GstSwinRegionFilter *filter,
                             GstSwinRegionSkips *skips);

/* Whether @r's box, clipped to the frame, touches the edge of a @width x
 * @height frame. */
gboolean gst_swin_region_at_edge (const GstSwinRegion *r, gint width, gint height);

/* The element message's "skipped": a structure "skipped" with one guint
 * per reason of @skips. */
GstStructure *gst_swin_regions_skips_structure (const GstSwinRegionSkips *skips);

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

/* Adds a structure named @name (see gstswinmeta.h) to the meta of each
 * region i whose @results[i] is not NULL (structures made by the element,
 * not taken: the top-k, "label", "label_id", "confidence" where a class
 * passed the threshold, and for a tracked object "age", "track-id" and
 * the raw best class): a copy, with "model_name" for "model" and "frame"
 * (@frame, the buffer's number in the stream).  A parameter of that name
 * already on a region (another classifier with the same result-name) is
 * replaced, with one GST_ELEMENT_WARNING on @owner the first time
 * (@warned: whether it was posted). */
void gst_swin_regions_attach (GstElement *owner, const GArray *regions, GstStructure **results,
                              guint64 frame, GQuark name, gboolean *warned);

/* Sets "label", "label_id" and "confidence" of @result from its best
 * class (nothing when no class passed the threshold). */
void gst_swin_regions_set_best (GstStructure *result);

/* The element message's list of classified regions: sets "regions" of
 * @message to an array of structures "region" {id, roi-type, x, y, w, h,
 * class-ids, labels, scores, and track-id where tracked}, from the regions
 * whose @results[i] is not NULL (not taken). */
void gst_swin_regions_describe (const GArray *regions, GstStructure **results, GstStructure *message);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GStreamer 1.24+'s analytics metadata (GstAnalyticsRelationMeta): the
 * detections (ODMtd) a frame's regions come from, the tracks (TrackingMtd)
 * that name them, and the classifications (ClsMtd) swinclassify adds.
 *
 * Built only where gstreamer-analytics-1.0 >= 1.24 was found
 * (HAVE_GST_ANALYTICS); elsewhere the functions below do nothing, so that
 * the element reads the same with either GStreamer.
 *
 * Relations written, so that both readers in the field find a result:
 * detection -> classification RELATE_TO | CONTAIN (objectdetectionoverlay
 * looks for RELATE_TO, DL Streamer for CONTAIN), classification ->
 * detection IS_PART_OF (DL Streamer).  A region meta and a detection are
 * one object when their boxes are equal and the meta's id is the
 * detection's (DL Streamer's convention; the box is checked so that a
 * detector's default id 0 matches nothing by chance) or the meta links to
 * it (GST_SWIN_DETECTION_PARAM, gstswinmeta.h): a region meta with no
 * detection gets one and that link, so that later elements see one object
 * and the detector's ids stay as they were. */
#pragma once

#include <gst/video/video.h>

#include "gstswinregions.h"

G_BEGIN_DECLS

#ifdef HAVE_GST_ANALYTICS

/* Frames: adds a ClsMtd holding @result's top-k (its "scores" as
 * confidences, its "labels" as quarks) to @buf's relation meta. */
void gst_swin_analytics_add_frame_result (GstBuffer *buf, const GstStructure *result);

/* Regions: marks each region meta of @regions that is also a detection with
 * that detection's id (od_id) and its track, then appends a region for
 * every other detection of @buf, clipped and filtered by @filter as region
 * metas are (skips logged on @owner). */
void gst_swin_analytics_collect (GstObject *owner, GstBuffer *buf, GArray *regions,
                                 const GstSwinRegionFilter *filter);

/* Gives every region meta of @buf that has no detection one (see above);
 * then, for each of @regions, a ClsMtd from @results[i] (not taken)
 * related to its detection, and a region meta (linked) to a detection that
 * has none, so that gst_swin_regions_attach() can give it the region
 * result: readers of region metas (swinpublish, gstswinmeta.h) see every
 * classified object. */
void gst_swin_analytics_attach (GstBuffer *buf, GArray *regions, GstStructure **results);

#endif

#ifdef HAVE_GST_TENSOR_META

/* 1.26+, features=true: appends @n feature vectors @values (float32,
 * referenced) to @buf's GstTensorMeta (added if it has none, its tensors
 * kept) as GstTensors [1, length] with id GST_SWIN_FEATURES_TENSOR_ID
 * (gstswinmeta.h); the index of the first, or -1 if none could be added. */
gint gst_swin_analytics_add_features (GstBuffer *buf, GBytes *const *values, guint n);

#else

static inline gint
gst_swin_analytics_add_features (GstBuffer *buf, GBytes *const *values, guint n)
{
  return -1;
}

#endif

#ifndef HAVE_GST_ANALYTICS

static inline void
gst_swin_analytics_add_frame_result (GstBuffer *buf, const GstStructure *result)
{
}

static inline void
gst_swin_analytics_collect (GstObject *owner, GstBuffer *buf, GArray *regions,
                            const GstSwinRegionFilter *filter)
{
}

static inline void
gst_swin_analytics_attach (GstBuffer *buf, GArray *regions, GstStructure **results)
{
}

#endif

G_END_DECLS

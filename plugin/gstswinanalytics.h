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
 * and the detector's ids stay as they were.
 *
 * Tracked objects (inference-region=roi-list, gstswintracker.h).  A
 * region's ClsMtd is what its region result reports: the top-k of its
 * track's last classification (on the frames in between too), or, with
 * smoothing, the smoothed class alone with its mean probability, so that a
 * reader of ClsMtds sees the label that does not flicker (the raw result
 * stays in the region result, gstswinmeta.h).  The track id is a
 * TrackingMtd related to the detection (detection -> track RELATE_TO, as
 * GStreamer's ioutracker writes it): an upstream one where it exists (read,
 * never duplicated), else one swinclassify adds on every frame, with the
 * track id the region result reports (its own tracker's, or DL Streamer's
 * object_id), first seen the PTS of the track's first frame, last seen
 * this frame's.  The age of a result has no place in a ClsMtd: it is in
 * the region result only. */
#pragma once

#include <gst/video/video.h>

#include "gstswinregions.h"

G_BEGIN_DECLS

/* The track of a region, for gst_swin_analytics_attach(). */
typedef struct {
  gboolean tracked;          /* FALSE: no track (the rest unset) */
  guint64 id;                /* the region result's track-id */
  GstClockTime first_seen;   /* the PTS of the track's first frame */
  gboolean smoothed;         /* the result's label is the track's smoothed class */
} GstSwinRegionTrack;

#ifdef HAVE_GST_ANALYTICS

/* Frames: adds a ClsMtd holding @result's top-k (its "scores" as
 * confidences, its "labels" as quarks) to @buf's relation meta. */
void gst_swin_analytics_add_frame_result (GstBuffer *buf, const GstStructure *result);

/* Regions: marks each region meta of @regions that is also a detection with
 * that detection's id (od_id) and its upstream track (a TrackingMtd's id
 * replaces DL Streamer's object_id), then appends a region for every other
 * detection of @buf, clipped and filtered by @filter as region metas are
 * (skips counted in @skips and logged on @owner). */
void gst_swin_analytics_collect (GstObject *owner, GstBuffer *buf, GArray *regions,
                                 const GstSwinRegionFilter *filter, GstSwinRegionSkips *skips);

/* Gives every region meta of @buf that has no detection one (see above);
 * then, for each of @regions, its TrackingMtd (@tracks[i], may be NULL; see
 * above; last seen @pts), and where @results[i] is not NULL (not taken) a
 * ClsMtd from it related to its detection, and a region meta (linked) to a
 * detection that has none, so that gst_swin_regions_attach() can give it
 * the region result: readers of region metas (swinpublish, gstswinmeta.h)
 * see every classified object. */
void gst_swin_analytics_attach (GstBuffer *buf, GArray *regions, GstStructure **results,
                                const GstSwinRegionTrack *tracks, GstClockTime pts);

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
                            const GstSwinRegionFilter *filter, GstSwinRegionSkips *skips)
{
}

static inline void
gst_swin_analytics_attach (GstBuffer *buf, GArray *regions, GstStructure **results,
                           const GstSwinRegionTrack *tracks, GstClockTime pts)
{
}

#endif

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstAnalytics detections, tracks, classifications and feature tensors (see
 * gstswinanalytics.h). */
#include "gstswinanalytics.h"
#include "gstswinmeta.h"

#include <gst/analytics/analytics.h>

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

/* What swinclassify adds per region: a detection (where it had none), a
 * classification and a track (where it tracks the object itself); one
 * more for a whole frame.  Reserved up front when
 * this element creates the relation meta: it grows its relation matrix a
 * few entries at a time, copying all of it each time. */
#define ENTRIES_PER_REGION 3

/* The buffer's relation meta, made with room for @entries if it has none. */
static GstAnalyticsRelationMeta *
relation_meta (GstBuffer *buf, gsize entries)
{
  GstAnalyticsRelationMetaInitParams params = {
    .initial_relation_order = MAX (entries, 5),
    .initial_buf_size = MAX (entries, 5) * 64,
  };

  return gst_buffer_add_analytics_relation_meta_full (buf, &params);
}

/* A ClsMtd of @result's top-k in @rmeta: FALSE if @result is malformed or
 * the meta refused it. */
static gboolean
add_cls (GstAnalyticsRelationMeta *rmeta, const GstStructure *result, GstAnalyticsClsMtd *cls)
{
  guint n = gst_swin_result_get_n_classes (result);
  gfloat *levels = g_newa (gfloat, MAX (n, 1));
  GQuark *quarks = g_newa (GQuark, MAX (n, 1));

  for (guint i = 0; i < n; i++) {
    const gchar *label;
    gdouble score;

    if (!gst_swin_result_get_class (result, i, NULL, &label, &score))
      return FALSE;
    levels[i] = (gfloat) score;
    /* Labels are the model's class names: a bounded set of quarks. */
    quarks[i] = g_quark_from_string (label);
  }
  return gst_analytics_relation_meta_add_cls_mtd (rmeta, n, levels, quarks, cls);
}

/* A ClsMtd of @result's reported class alone ("label", "confidence": a
 * track's smoothed class); FALSE if it has none or the meta refused it. */
static gboolean
add_reported_cls (GstAnalyticsRelationMeta *rmeta, const GstStructure *result,
                  GstAnalyticsClsMtd *cls)
{
  const gchar *label = gst_structure_get_string (result, GST_SWIN_FIELD_LABEL);
  gdouble confidence;

  if (!label || !gst_structure_get_double (result, GST_SWIN_FIELD_CONFIDENCE, &confidence))
    return FALSE;
  return gst_analytics_relation_meta_add_one_cls_mtd (rmeta, (gfloat) confidence,
                                                      g_quark_from_string (label), cls);
}

void
gst_swin_analytics_add_frame_result (GstBuffer *buf, const GstStructure *result)
{
  GstAnalyticsRelationMeta *rmeta = relation_meta (buf, 1);
  GstAnalyticsClsMtd cls;

  if (!rmeta || !add_cls (rmeta, result, &cls))
    GST_WARNING ("could not add the frame's classification to its analytics meta");
}

/* The detection of @rmeta that region meta @meta is: the one swinclassify
 * made for it (GST_SWIN_DETECTION_PARAM), or DL Streamer's (the meta's id
 * is the detection's); either way with the same box. */
static gboolean
same_object (GstAnalyticsRelationMeta *rmeta, GstVideoRegionOfInterestMeta *meta,
             GstAnalyticsODMtd *od)
{
  const GstStructure *link = gst_video_region_of_interest_meta_get_param (meta,
                                                                          GST_SWIN_DETECTION_PARAM);
  gint id = meta->id, x, y, w, h;

  if (link && !gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &id))
    return FALSE;
  if (id < 0 || !gst_analytics_relation_meta_get_od_mtd (rmeta, (guint) id, od) ||
      !gst_analytics_od_mtd_get_location (od, &x, &y, &w, &h, NULL))
    return FALSE;
  return x >= 0 && y >= 0 && w >= 0 && h >= 0 && (guint) x == meta->x && (guint) y == meta->y &&
         (guint) w == meta->w && (guint) h == meta->h;
}

/* The id an upstream tracker gave detection @od (a TrackingMtd related to
 * it either way), or -1. */
static gint64
track_of (GstAnalyticsRelationMeta *rmeta, GstAnalyticsODMtd *od)
{
  GstAnalyticsTrackingMtd trk;
  gpointer state = NULL;
  guint64 id;
  guint od_id = gst_analytics_mtd_get_id ((GstAnalyticsMtd *) od);

  if (gst_analytics_relation_meta_get_direct_related (rmeta, od_id, GST_ANALYTICS_REL_TYPE_ANY,
          gst_analytics_tracking_mtd_get_mtd_type (), &state, (GstAnalyticsMtd *) &trk))
    goto found;
  state = NULL;
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
             gst_analytics_tracking_mtd_get_mtd_type (), (GstAnalyticsMtd *) &trk)) {
    if (gst_analytics_relation_meta_get_relation (rmeta, gst_analytics_mtd_get_id (
            (GstAnalyticsMtd *) &trk), od_id) != GST_ANALYTICS_REL_TYPE_NONE)
      goto found;
  }
  return -1;

found:
  if (!gst_analytics_tracking_mtd_get_info (&trk, &id, NULL, NULL, NULL) || id > G_MAXINT64)
    return -1;
  return (gint64) id;
}

void
gst_swin_analytics_collect (GstObject *owner, GstBuffer *buf, GArray *regions,
                            const GstSwinRegionFilter *filter, GstSwinRegionSkips *skips)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta (buf);
  GstAnalyticsODMtd od;
  gpointer state = NULL;
  guint n_metas = regions->len, before;
  gboolean *taken;
  gsize length;

  if (!rmeta)
    return;
  length = gst_analytics_relation_get_length (rmeta);
  taken = g_new0 (gboolean, MAX (length, 1));
  for (guint i = 0; i < n_metas; i++) {
    GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, i);

    if (same_object (rmeta, r->meta, &od)) {
      gint64 track = track_of (rmeta, &od);

      r->od_id = (gint) od.id;
      /* A TrackingMtd names the object; else DL Streamer's object_id may. */
      if (track >= 0)
        r->track_id = track;
      taken[od.id] = TRUE;
    }
  }
  /* Region metas the filter dropped may still name a detection. */
  for (gpointer s = NULL; ;) {
    GstVideoRegionOfInterestMeta *meta = (GstVideoRegionOfInterestMeta *)
        gst_buffer_iterate_meta_filtered (buf, &s, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);

    if (!meta)
      break;
    if (same_object (rmeta, meta, &od))
      taken[od.id] = TRUE;
  }

  while (gst_analytics_relation_meta_iterate (rmeta, &state, gst_analytics_od_mtd_get_mtd_type (),
                                              (GstAnalyticsMtd *) &od)) {
    gint x, y, w, h;
    GstSwinRegion r = { .meta = NULL, .id = (gint) od.id, .od_id = (gint) od.id };

    if (od.id < length && taken[od.id])
      continue;
    if (!gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &h, NULL)) {
      GST_DEBUG_OBJECT (owner, "detection %u skipped: it has no box", od.id);
      continue;
    }
    r.type = gst_analytics_od_mtd_get_obj_type (&od);
    r.track_id = track_of (rmeta, &od);
    before = regions->len;
    gst_swin_regions_consider (owner, regions, &r, x, y, w, h, filter, skips);
    if (regions->len > before) {
      /* A detection's box may be negative: it reports its clipped box
       * where a region meta reports its own. */
      GstSwinRegion *added = &g_array_index (regions, GstSwinRegion, before);

      added->x = (guint) added->rect.x;
      added->y = (guint) added->rect.y;
      added->w = (guint) added->rect.width;
      added->h = (guint) added->rect.height;
    }
  }
  g_free (taken);
}

/* The confidence a detector gave region meta @meta: DL Streamer's
 * "detection" parameter; 0 when none is known. */
static gfloat
detection_confidence (GstVideoRegionOfInterestMeta *meta)
{
  const GstStructure *det = gst_video_region_of_interest_meta_get_param (meta, "detection");
  gdouble c;

  return det && gst_structure_get_double (det, "confidence", &c) ? (gfloat) c : 0.0f;
}

/* Links region meta @meta to detection @od_id (GST_SWIN_DETECTION_PARAM). */
static void
add_link (GstVideoRegionOfInterestMeta *meta, gint od_id)
{
  gst_video_region_of_interest_meta_add_param (meta, gst_structure_new (GST_SWIN_DETECTION_PARAM,
      GST_SWIN_FIELD_DETECTION_ID, G_TYPE_INT, od_id, NULL));
}

/* An ODMtd for region meta @meta, and the parameter that links them. */
static gboolean
add_detection (GstAnalyticsRelationMeta *rmeta, GstVideoRegionOfInterestMeta *meta,
               GstAnalyticsODMtd *od)
{
  if (!gst_analytics_relation_meta_add_od_mtd (rmeta, meta->roi_type, (gint) MIN (meta->x, G_MAXINT),
          (gint) MIN (meta->y, G_MAXINT), (gint) MIN (meta->w, G_MAXINT),
          (gint) MIN (meta->h, G_MAXINT), detection_confidence (meta), od))
    return FALSE;
  add_link (meta, (gint) od->id);
  return TRUE;
}

/* Relates @od_id to a TrackingMtd of @track, unless an upstream tracker
 * already named the detection (never two tracks for one object). */
static void
add_track (GstAnalyticsRelationMeta *rmeta, gint od_id, const GstSwinRegionTrack *track,
           GstClockTime pts)
{
  GstAnalyticsODMtd od;
  GstAnalyticsTrackingMtd trk;

  if (!gst_analytics_relation_meta_get_od_mtd (rmeta, (guint) od_id, &od) ||
      track_of (rmeta, &od) >= 0)
    return;
  if (!gst_analytics_relation_meta_add_tracking_mtd (rmeta, track->id, track->first_seen, &trk)) {
    GST_WARNING ("detection %d: could not add its track to the analytics meta", od_id);
    return;
  }
  gst_analytics_tracking_mtd_update_last_seen (&trk, pts);
  /* ioutracker's direction, which track_of() reads either way */
  gst_analytics_relation_meta_set_relation (rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO,
                                            (guint) od_id, trk.id);
}

void
gst_swin_analytics_attach (GstBuffer *buf, GArray *regions, GstStructure **results,
                           const GstSwinRegionTrack *tracks, GstClockTime pts)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta (buf);
  guint n_metas = gst_buffer_get_n_meta (buf, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  GstAnalyticsODMtd od;
  gpointer state = NULL;
  GstVideoRegionOfInterestMeta *meta;

  if (!rmeta && n_metas == 0 && regions->len == 0)
    return;
  rmeta = relation_meta (buf, (gsize) (n_metas + regions->len) * ENTRIES_PER_REGION);
  if (!rmeta)
    return;

  /* Detections for the region metas that have none, classified or not:
   * 1.24+ elements downstream see what a 1.22-style detector found. */
  while ((meta = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gboolean classified = FALSE;

    for (guint i = 0; i < regions->len; i++) {
      GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, i);

      if (r->meta == meta) {
        classified = TRUE;
        if (r->od_id < 0 && add_detection (rmeta, meta, &od))
          r->od_id = (gint) od.id;
      }
    }
    if (!classified && !same_object (rmeta, meta, &od))
      add_detection (rmeta, meta, &od);
  }

  for (guint i = 0; i < regions->len; i++) {
    GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, i);
    gboolean smoothed = tracks && tracks[i].smoothed;
    GstAnalyticsClsMtd cls;

    if (tracks && tracks[i].tracked && r->od_id >= 0)
      add_track (rmeta, r->od_id, &tracks[i], pts);
    if (!results || !results[i])
      continue;             /* its track has no result yet */
    if (!r->meta) {
      /* A detection alone gets a region meta too, for the region result
       * and its readers of every GStreamer (swinpublish, gstswinmeta.h). */
      r->meta = gst_buffer_add_video_region_of_interest_meta_id (buf, r->type, r->x, r->y, r->w,
                                                                 r->h);
      r->meta->id = r->od_id;
      add_link (r->meta, r->od_id);
    }
    /* A smoothed class below the threshold: no class to report. */
    if (smoothed && !gst_structure_has_field (results[i], GST_SWIN_FIELD_LABEL))
      continue;
    if (r->od_id < 0 || !(smoothed ? add_reported_cls (rmeta, results[i], &cls)
                                   : add_cls (rmeta, results[i], &cls))) {
      GST_WARNING ("region %d: could not add its classification to the analytics meta", r->id);
      continue;
    }
    gst_analytics_relation_meta_set_relation (rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO |
        GST_ANALYTICS_REL_TYPE_CONTAIN, (guint) r->od_id, cls.id);
    gst_analytics_relation_meta_set_relation (rmeta, GST_ANALYTICS_REL_TYPE_IS_PART_OF, cls.id,
                                              (guint) r->od_id);
  }
}

#ifdef HAVE_GST_TENSOR_META
gint
gst_swin_analytics_add_features (GstBuffer *buf, GBytes *const *values, guint n)
{
  GstTensorMeta *tmeta = gst_buffer_get_tensor_meta (buf);
  GQuark id = g_quark_from_static_string (GST_SWIN_FEATURES_TENSOR_ID);
  GstTensor **tensors;
  gsize first;

  if (n == 0 || (!tmeta && !(tmeta = gst_buffer_add_tensor_meta (buf))))
    return -1;
  first = tmeta->num_tensors;
  /* gst_tensor_meta_set() frees the tensors the meta had: it gets copies
   * (a copy shares its data). */
  tensors = g_new (GstTensor *, first + n);
  for (gsize i = 0; i < first; i++)
    tensors[i] = gst_tensor_copy (tmeta->tensors[i]);
  for (guint i = 0; i < n; i++) {
    gsize dims[2] = { 1, g_bytes_get_size (values[i]) / sizeof (gfloat) };

    tensors[first + i] = gst_tensor_new_simple (id, GST_TENSOR_DATA_TYPE_FLOAT32,
        gst_buffer_new_wrapped_bytes (values[i]), GST_TENSOR_DIM_ORDER_ROW_MAJOR, 2, dims);
  }
  gst_tensor_meta_set (tmeta, (guint) (first + n), tensors);
  return (gint) first;
}
#endif

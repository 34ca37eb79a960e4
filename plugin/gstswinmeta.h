/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify: reading classification results from buffers and bus messages.
 *
 * Installed as <gst/swin/gstswinmeta.h>.  Header-only: applications need no
 * library besides GStreamer itself (gstreamer-1.0 >= 1.20).
 *
 * The swinclassify element attaches a GstCustomMeta named
 * GST_SWIN_META_NAME to every buffer once a first result exists.  Its
 * GstStructure holds:
 *
 *   "class-ids"  GstValueArray of gint     class indices, best first
 *   "labels"     GstValueArray of gchararray  their labels
 *   "scores"     GstValueArray of gdouble  softmax probabilities, descending
 *                (at most top-k entries, only those >= threshold; may be empty)
 *   "age"        guint     frames between the frame the result was computed on
 *                          and this one (0: computed on this very frame)
 *   "model"      gchararray  the model's name (checkpoint file name without
 *                            extension)
 *   "frame"      guint64   this buffer's number in the stream (0 = the first
 *                          buffer the element saw since it started)
 *
 * The element message "swinclassify", posted for every inferred frame, has
 * the same fields plus "timestamp", "stream-time", "running-time" and
 * "duration" (guint64 nanoseconds, GST_CLOCK_TIME_NONE when unknown) of
 * that frame ("frame" being the frame the result was computed on), so the readers below accept either structure.
 *
 * From Python (PyGObject; works without gst-python's overrides):
 *   meta = buf.get_custom_meta("GstSwinClassifyMeta")
 *   s = meta.get_structure()
 *   ok, labels = s.get_array("labels")    # also "class-ids", "scores"
 *   [labels.get_nth(i) for i in range(labels.n_values)]
 *
 * With inference-region=roi-list the element classifies the regions a
 * detector attached (GstVideoRegionOfInterestMeta) instead of the whole
 * frame: each classified region's meta gets a parameter structure named
 * after the element's result-name property (default GST_SWIN_REGION_PARAM,
 * "classification"), so that a cascade of classifiers (vehicle type, then
 * colour) keeps one result per classifier on each region.  It holds
 * "label" (gchararray, the best class), "label_id" (gint), "confidence"
 * (gdouble, its softmax score) -- the fields DL Streamer's tools read --,
 * "model_name", "frame" (guint64, as above), and the top-k as "class-ids",
 * "labels", "scores" (as above, so that gst_swin_result_get_class() reads
 * them too); the frame gets no GstSwinClassifyMeta.
 *
 * A region of a tracked object (see the element's reclassify-interval) has
 * its track's result on every frame once the track has one, with
 *   "track-id"   guint64   the object's identity: the upstream tracker's id
 *                          (TrackingMtd, DL Streamer's "object_id"), else
 *                          the element's own track number
 *   "age"        guint     frames since the result was computed (0: on
 *                          this frame; "frame" is still this buffer's)
 *   "raw-label", "raw-label-id", "raw-confidence"
 *                          the best class of the last computation itself;
 *                          the top-k arrays are that computation's too
 * With smoothing, "label", "label_id" and "confidence" are the smoothed
 * class (the majority or the highest mean probability over the track's
 * last results) and its mean probability; without, they equal the raw
 * ones.  A region parameter
 * holding the three top-k arrays is what these readers call a swinclassify
 * result, whatever its name.  The element message then carries "regions":
 * an array of structures {id, roi-type, x, y, w, h, class-ids, labels,
 * scores, track-id where tracked} (the regions classified by that frame's
 * forward) and "skipped": a structure of the regions the frame had that
 * were not classified, one guint per reason: "object-class", "outside",
 * "min-roi-size", "max-roi-size", "edge", "max-regions", "untracked".
 *
 * With features=true the element also attaches the pooled features of
 * each image it classified (the vector before the classification head,
 * after the final LayerNorm and the global average pool: 768 values for
 * Swin-T): one GstCustomMeta named GST_SWIN_FEATURES_META_NAME per image,
 * whose GstStructure holds:
 *
 *   "features"   GBytes    the values, float32 in host byte order
 *   "length"     guint     how many ("features" holds 4 * length bytes)
 *   "model"      gchararray  as above
 *   "frame"      guint64   the buffer number of the frame they were
 *                          computed on (as above)
 *   whole frame (inference-region=full-frame): no "region-id", and
 *   "age"        guint     as above: with inference-interval (or in async
 *                          mode) the frames in between carry the latest
 *                          features, as they carry the latest result
 *   a region (inference-region=roi-list):
 *   "region-id"  gint      the id of its GstVideoRegionOfInterestMeta
 *   "x", "y", "w", "h"  guint  that meta's box when it was classified
 *                          (detectors often give every region the same
 *                          id: the box tells them apart; a transform that
 *                          scales the region metas leaves this box as it
 *                          was)
 *   "od-id"      gint      its GstAnalyticsODMtd's id in the buffer's
 *                          GstAnalyticsRelationMeta (GStreamer 1.24+; -1:
 *                          none, and always -1 on 1.22)
 *   "result-name" gchararray  the result-name of the element, whose
 *                          region result (above) it goes with
 *   GStreamer 1.26+ only:
 *   "tensor-index" guint   the index of the same vector in the buffer's
 *                          GstTensorMeta (see below)
 *
 * On GStreamer 1.26+ (gst/analytics/gsttensormeta.h) every such vector is
 * also a GstTensor in the buffer's GstTensorMeta (added if the buffer has
 * none; upstream tensors are kept, ours appended): id
 * g_quark_from_string (GST_SWIN_FEATURES_TENSOR_ID), FLOAT32, row-major,
 * dims [1, length], in the order of the features metas.  Which image a
 * tensor belongs to is said by the features meta whose "tensor-index" is
 * its index.  GStreamer 1.26 gives GstTensorMeta no transform function:
 * a copy of the buffer (a tee to a writable path) drops the tensors, not
 * the features metas.
 *
 * The metas are registered when the swinclassify plugin is loaded; in a
 * process without the plugin the readers below simply find no meta.
 * (gstreamer-video-1.0 is needed for the region readers.)
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_SWIN_META_NAME "GstSwinClassifyMeta"
#define GST_SWIN_MESSAGE_NAME "swinclassify"

#define GST_SWIN_FIELD_CLASS_IDS "class-ids"
#define GST_SWIN_FIELD_LABELS "labels"
#define GST_SWIN_FIELD_SCORES "scores"
#define GST_SWIN_FIELD_AGE "age"
#define GST_SWIN_FIELD_MODEL "model"
#define GST_SWIN_FIELD_FRAME "frame"
#define GST_SWIN_FIELD_REGIONS "regions"

/* The default name of a region result (the result-name property). */
#define GST_SWIN_REGION_PARAM "classification"
#define GST_SWIN_FIELD_LABEL "label"
#define GST_SWIN_FIELD_LABEL_ID "label_id"
#define GST_SWIN_FIELD_CONFIDENCE "confidence"
#define GST_SWIN_FIELD_MODEL_NAME "model_name"
#define GST_SWIN_FIELD_TRACK_ID "track-id"
#define GST_SWIN_FIELD_RAW_LABEL "raw-label"
#define GST_SWIN_FIELD_RAW_LABEL_ID "raw-label-id"
#define GST_SWIN_FIELD_RAW_CONFIDENCE "raw-confidence"
#define GST_SWIN_FIELD_SKIPPED "skipped"

/* GStreamer 1.24+ with inference-region=roi-list: every region meta
 * without a GstAnalyticsODMtd gets one in the buffer's
 * GstAnalyticsRelationMeta, and a parameter of this name whose "od-id"
 * (gint) is that detection's id; each classified region's result is also a
 * GstAnalyticsClsMtd related to its detection (detection -> classification
 * RELATE_TO | CONTAIN, classification -> detection IS_PART_OF).  For a
 * tracked region the ClsMtd is the result its region parameter reports on
 * that frame: the top-k of the track's last computation (carried on the
 * frames in between), or with smoothing one class, the smoothed "label"
 * with its "confidence" (none when that is below the threshold); "age" and
 * the raw class are in the region parameter only.  Its detection is related
 * (detection -> track RELATE_TO) to one GstAnalyticsTrackingMtd whose id is
 * the parameter's "track-id": the upstream tracker's, never duplicated, or
 * else one the element adds (first seen: the PTS of the track's first
 * frame; last seen: this buffer's PTS). */
#define GST_SWIN_DETECTION_PARAM "swinclassify-detection"
#define GST_SWIN_FIELD_DETECTION_ID "od-id"

/* Pooled features (features=true). */
#define GST_SWIN_FEATURES_META_NAME "GstSwinFeaturesMeta"
#define GST_SWIN_FEATURES_TENSOR_ID "swinclassify-features"
#define GST_SWIN_FIELD_FEATURES "features"
#define GST_SWIN_FIELD_LENGTH "length"
#define GST_SWIN_FIELD_REGION_ID "region-id"
#define GST_SWIN_FIELD_RESULT_NAME "result-name"
#define GST_SWIN_FIELD_TENSOR_INDEX "tensor-index"

/* The result structure carried by @buffer, or NULL.  Owned by the buffer:
 * valid while the buffer is and its metadata is not changed. */
static inline const GstStructure *
gst_buffer_get_swin_result (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, GST_SWIN_META_NAME);

  return meta ? gst_custom_meta_get_structure (meta) : NULL;
}

/* Number of reported classes in @result (a meta or message structure). */
static inline guint
gst_swin_result_get_n_classes (const GstStructure *result)
{
  const GValue *ids = gst_structure_get_value (result, GST_SWIN_FIELD_CLASS_IDS);

  return ids && GST_VALUE_HOLDS_ARRAY (ids) ? gst_value_array_get_size (ids) : 0;
}

/* Entry @index (0 = best) of @result; any output pointer may be NULL.
 * @label points into @result.  FALSE if @index is out of range or the
 * structure is malformed. */
static inline gboolean
gst_swin_result_get_class (const GstStructure *result, guint index, gint *class_id,
                           const gchar **label, gdouble *score)
{
  const GValue *ids = gst_structure_get_value (result, GST_SWIN_FIELD_CLASS_IDS);
  const GValue *labels = gst_structure_get_value (result, GST_SWIN_FIELD_LABELS);
  const GValue *scores = gst_structure_get_value (result, GST_SWIN_FIELD_SCORES);
  const GValue *v_id, *v_label, *v_score;

  if (!ids || !labels || !scores || !GST_VALUE_HOLDS_ARRAY (ids) ||
      !GST_VALUE_HOLDS_ARRAY (labels) || !GST_VALUE_HOLDS_ARRAY (scores) ||
      index >= gst_value_array_get_size (ids) || index >= gst_value_array_get_size (labels) ||
      index >= gst_value_array_get_size (scores))
    return FALSE;
  v_id = gst_value_array_get_value (ids, index);
  v_label = gst_value_array_get_value (labels, index);
  v_score = gst_value_array_get_value (scores, index);
  if (!G_VALUE_HOLDS_INT (v_id) || !G_VALUE_HOLDS_STRING (v_label) ||
      !G_VALUE_HOLDS_DOUBLE (v_score))
    return FALSE;
  if (class_id)
    *class_id = g_value_get_int (v_id);
  if (label)
    *label = g_value_get_string (v_label);
  if (score)
    *score = g_value_get_double (v_score);
  return TRUE;
}

/* Frames since the result was computed (0 when absent). */
static inline guint
gst_swin_result_get_age (const GstStructure *result)
{
  guint age = 0;

  gst_structure_get_uint (result, GST_SWIN_FIELD_AGE, &age);
  return age;
}

/* The number of the frame @result belongs to (see "frame" above); 0 when
 * absent. */
static inline guint64
gst_swin_result_get_frame (const GstStructure *result)
{
  guint64 frame = 0;

  gst_structure_get_uint64 (result, GST_SWIN_FIELD_FRAME, &frame);
  return frame;
}

/* The model's name, or NULL; points into @result. */
static inline const gchar *
gst_swin_result_get_model (const GstStructure *result)
{
  return gst_structure_get_string (result, GST_SWIN_FIELD_MODEL);
}

/* Whether @param, a parameter structure of a GstVideoRegionOfInterestMeta,
 * is a swinclassify result: it holds the "class-ids", "labels" and
 * "scores" arrays (detectors' and other classifiers' parameters do not). */
static inline gboolean
gst_swin_region_param_is_result (const GstStructure *param)
{
  const GValue *ids = gst_structure_get_value (param, GST_SWIN_FIELD_CLASS_IDS);
  const GValue *labels = gst_structure_get_value (param, GST_SWIN_FIELD_LABELS);
  const GValue *scores = gst_structure_get_value (param, GST_SWIN_FIELD_SCORES);

  return ids && labels && scores && GST_VALUE_HOLDS_ARRAY (ids) && GST_VALUE_HOLDS_ARRAY (labels) &&
         GST_VALUE_HOLDS_ARRAY (scores);
}

/* The result a swinclassify with result-name @name attached to @meta, or
 * NULL (that element did not classify the region).  Owned by the meta.
 * Its top-k reads with gst_swin_result_get_class(). */
static inline const GstStructure *
gst_video_region_of_interest_meta_get_swin_result_by_name (GstVideoRegionOfInterestMeta *meta,
                                                           const gchar *name)
{
  const GstStructure *param = gst_video_region_of_interest_meta_get_param (meta, name);

  return param && gst_swin_region_param_is_result (param) ? param : NULL;
}

/* The result of a swinclassify with the default result-name
 * ("classification"), or NULL. */
static inline const GstStructure *
gst_video_region_of_interest_meta_get_swin_result (GstVideoRegionOfInterestMeta *meta)
{
  return gst_video_region_of_interest_meta_get_swin_result_by_name (meta, GST_SWIN_REGION_PARAM);
}

/* Every swinclassify result on @meta, in the order the elements attached
 * them: set *@state to NULL, then call until it returns NULL.  The
 * result's name (gst_structure_get_name()) is its element's result-name.
 * Owned by the meta; do not change the meta's parameters meanwhile. */
static inline const GstStructure *
gst_video_region_of_interest_meta_iterate_swin_results (GstVideoRegionOfInterestMeta *meta,
                                                        gpointer *state)
{
  GList *l = *state ? ((GList *) *state)->next : meta->params;

  for (; l; l = l->next) {
    if (gst_swin_region_param_is_result ((const GstStructure *) l->data)) {
      *state = l;
      return (const GstStructure *) l->data;
    }
  }
  *state = NULL;
  return NULL;
}

/* The best class of a region's result: FALSE when none passed the
 * threshold.  Any output pointer may be NULL; @label points into @result. */
static inline gboolean
gst_swin_region_result_get_best (const GstStructure *result, const gchar **label, gint *label_id,
                                 gdouble *confidence)
{
  const gchar *l = gst_structure_get_string (result, GST_SWIN_FIELD_LABEL);
  gint id;
  gdouble c;

  if (!l || !gst_structure_get_int (result, GST_SWIN_FIELD_LABEL_ID, &id) ||
      !gst_structure_get_double (result, GST_SWIN_FIELD_CONFIDENCE, &c))
    return FALSE;
  if (label)
    *label = l;
  if (label_id)
    *label_id = id;
  if (confidence)
    *confidence = c;
  return TRUE;
}

/* The track id of a region's result: FALSE when the region is not
 * tracked.  (Its age reads with gst_swin_result_get_age().) */
static inline gboolean
gst_swin_region_result_get_track_id (const GstStructure *result, guint64 *track_id)
{
  return gst_structure_get_uint64 (result, GST_SWIN_FIELD_TRACK_ID, track_id);
}

/* The raw best class of a tracked region's last computation (beside the
 * smoothed "label"): FALSE when absent.  Any output pointer may be NULL;
 * @label points into @result. */
static inline gboolean
gst_swin_region_result_get_raw (const GstStructure *result, const gchar **label, gint *label_id,
                                gdouble *confidence)
{
  const gchar *l = gst_structure_get_string (result, GST_SWIN_FIELD_RAW_LABEL);
  gint id;
  gdouble c;

  if (!l || !gst_structure_get_int (result, GST_SWIN_FIELD_RAW_LABEL_ID, &id) ||
      !gst_structure_get_double (result, GST_SWIN_FIELD_RAW_CONFIDENCE, &c))
    return FALSE;
  if (label)
    *label = l;
  if (label_id)
    *label_id = id;
  if (confidence)
    *confidence = c;
  return TRUE;
}

/* Every features structure on @buffer (one per image, see above), in the
 * order they were attached: set *@state to NULL, then call until it
 * returns NULL.  Owned by the buffer. */
static inline const GstStructure *
gst_buffer_iterate_swin_features (GstBuffer *buffer, gpointer *state)
{
  const GstMetaInfo *info = gst_meta_get_info (GST_SWIN_FEATURES_META_NAME);
  GstMeta *meta;

  if (!info || !gst_meta_info_is_custom (info))
    return NULL;
  meta = gst_buffer_iterate_meta_filtered (buffer, state, info->api);
  return meta ? gst_custom_meta_get_structure ((GstCustomMeta *) meta) : NULL;
}

/* The values of @features and their number in *@length (may be NULL),
 * or NULL if the structure is malformed.  They point into @features. */
static inline const gfloat *
gst_swin_features_get_values (const GstStructure *features, guint *length)
{
  const GValue *v = gst_structure_get_value (features, GST_SWIN_FIELD_FEATURES);
  guint n;
  gsize size;
  gconstpointer data;

  if (!v || !G_VALUE_HOLDS (v, G_TYPE_BYTES) || !g_value_get_boxed (v) ||
      !gst_structure_get_uint (features, GST_SWIN_FIELD_LENGTH, &n))
    return NULL;
  data = g_bytes_get_data ((GBytes *) g_value_get_boxed (v), &size);
  if (n == 0 || size != (gsize) n * sizeof (gfloat))
    return NULL;
  if (length)
    *length = n;
  return (const gfloat *) data;
}

/* The features of the whole frame on @buffer, or NULL. */
static inline const GstStructure *
gst_buffer_get_swin_frame_features (GstBuffer *buffer)
{
  gpointer state = NULL;
  const GstStructure *f;

  while ((f = gst_buffer_iterate_swin_features (buffer, &state)))
    if (!gst_structure_has_field (f, GST_SWIN_FIELD_REGION_ID))
      return f;
  return NULL;
}

/* The features a swinclassify with result-name @name (NULL: any) computed
 * for region @meta of @buffer (same id and box), or NULL. */
static inline const GstStructure *
gst_buffer_get_swin_region_features (GstBuffer *buffer, GstVideoRegionOfInterestMeta *meta,
                                     const gchar *name)
{
  gpointer state = NULL;
  const GstStructure *f;

  while ((f = gst_buffer_iterate_swin_features (buffer, &state))) {
    gint id;
    guint x, y, w, h;

    if (gst_structure_get_int (f, GST_SWIN_FIELD_REGION_ID, &id) && id == meta->id &&
        gst_structure_get_uint (f, "x", &x) && x == meta->x &&
        gst_structure_get_uint (f, "y", &y) && y == meta->y &&
        gst_structure_get_uint (f, "w", &w) && w == meta->w &&
        gst_structure_get_uint (f, "h", &h) && h == meta->h &&
        (!name || !g_strcmp0 (gst_structure_get_string (f, GST_SWIN_FIELD_RESULT_NAME), name)))
      return f;
  }
  return NULL;
}

G_END_DECLS

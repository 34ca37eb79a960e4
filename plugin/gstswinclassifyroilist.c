/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify with inference-region=roi-list: a frame's regions (region
 * metas and, 1.24+, detections) matched to tracks (gstswintracker.h), those
 * due classified in one request, waited for (sync) or not (async), and every
 * region given its track's latest result. */
#include "gstswinanalytics.h"
#include "gstswinclassifyprivate.h"
#include "gstswinfeatures.h"
#include "gstswinmetaprivate.h"
#include "gstswinregions.h"
#include "gstswinvideo.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_swin_classify_debug

/* When the tracked regions of a frame are classified, as the properties
 * say now (they may change while playing). */
static GstSwinTrackerPlan
gst_swin_classify_plan (GstSwinClassify *self)
{
  GstSwinTrackerPlan plan;

  GST_OBJECT_LOCK (self);
  /* Above 1, one forward of at most batch-size regions a frame: the plan's
   * order decides who waits. */
  plan = (GstSwinTrackerPlan) { self->reclassify_interval, self->reclassify_growth,
                                self->reclassify_interval > 1 ? self->batch_size : 0 };
  GST_OBJECT_UNLOCK (self);
  return plan;
}

/* The result of one region from its @logits: the top-k structure, and its
 * softmax probabilities in @probs (num_classes). */
static GstStructure *
gst_swin_classify_region_result (GstSwinClassify *self, const gfloat *logits,
                                 const GstSwinOutputSettings *out, gfloat *probs)
{
  guint classes = self->model->arch.num_classes;

  memcpy (probs, logits, classes * sizeof (gfloat));
  swin_softmax (probs, (int) classes);
  return gst_swin_labels_make_result (self->labels, logits, out->top_k, out->threshold);
}

/* The structure a tracked region carries on frame @frame from its track's
 * @tr (its result taken): the raw best class beside the reported one (the
 * smoothed one where smoothing is on), age and track id. */
static GstStructure *
gst_swin_classify_track_structure (GstSwinClassify *self, GstSwinTrackResult *tr, guint64 frame,
                                   gdouble threshold)
{
  GstStructure *s = tr->result;
  gint id;
  const gchar *label;
  gdouble score;

  tr->result = NULL;
  if (gst_swin_result_get_class (s, 0, &id, &label, &score))
    gst_structure_set (s, GST_SWIN_FIELD_RAW_LABEL, G_TYPE_STRING, label,
                       GST_SWIN_FIELD_RAW_LABEL_ID, G_TYPE_INT, id,
                       GST_SWIN_FIELD_RAW_CONFIDENCE, G_TYPE_DOUBLE, score, NULL);
  if (!tr->smoothed)
    gst_swin_regions_set_best (s);
  else if (tr->confidence >= threshold)
    gst_structure_set (s, GST_SWIN_FIELD_LABEL, G_TYPE_STRING,
                       gst_swin_labels_get_name (self->labels, tr->label_id),
                       GST_SWIN_FIELD_LABEL_ID, G_TYPE_INT, tr->label_id,
                       GST_SWIN_FIELD_CONFIDENCE, G_TYPE_DOUBLE, tr->confidence, NULL);
  gst_structure_set (s, GST_SWIN_FIELD_AGE, G_TYPE_UINT,
                     (guint) MIN (frame - MIN (tr->result_frame, frame), G_MAXUINT),
                     GST_SWIN_FIELD_TRACK_ID, G_TYPE_UINT64, tr->track_id, NULL);
  return s;
}

/* Posts the message of a forward over @regions: those with a result in
 * @results, and what the frame skipped. */
static void
gst_swin_classify_post_regions (GstSwinClassify *self, const GArray *regions,
                                GstStructure **results, const GstSwinRegionSkips *skips,
                                const GstSwinFramePosition *pos, guint64 age)
{
  GstStructure *msg = gst_structure_new (GST_SWIN_META_NAME, GST_SWIN_FIELD_MODEL, G_TYPE_STRING,
                                         self->model->model_name, NULL);
  GstStructure *skipped = gst_swin_regions_skips_structure (skips);

  gst_swin_regions_describe (regions, results, msg);
  gst_structure_set (msg, GST_SWIN_FIELD_SKIPPED, GST_TYPE_STRUCTURE, skipped, NULL);
  gst_structure_free (skipped);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
      gst_swin_results_message (msg, pos, age)));
}

/* Every region of @regions with a track result carries it (@fresh[i], the
 * results of this frame's untracked regions, where not NULL, instead), in
 * its region meta and, GStreamer 1.24+, as analytics metadata with its
 * track (gstswinanalytics.h). */
static void
gst_swin_classify_attach_tracks (GstSwinClassify *self, GstBuffer *buf, GArray *regions,
                                 const guint64 *keys, GstStructure **fresh,
                                 const GstSwinFramePosition *pos, const GstSwinOutputSettings *out)
{
  guint n = regions->len;
  GstStructure **carried = g_new0 (GstStructure *, n);
  GstSwinRegionTrack *tracks = g_new0 (GstSwinRegionTrack, MAX (n, 1));
  GstSwinTrackResult tr;

  for (guint i = 0; i < n; i++) {
    if (fresh && fresh[i]) {
      carried[i] = gst_structure_copy (fresh[i]);
    } else if (gst_swin_tracker_get (self->tracker, keys[i], &tr)) {
      tracks[i] = (GstSwinRegionTrack) { TRUE, tr.track_id, tr.first_seen, tr.smoothed };
      if (tr.result)
        carried[i] = gst_swin_classify_track_structure (self, &tr, pos->index, out->threshold);
    }
  }
  gst_swin_analytics_attach (buf, regions, carried, tracks, pos->pts);
  gst_swin_regions_attach (GST_ELEMENT (self), regions, carried, pos->index, out->result_name,
                           &self->result_name.warned);
  for (guint i = 0; i < n; i++)
    if (carried[i])
      gst_structure_free (carried[i]);
  g_free (carried);
  g_free (tracks);
}

static guint64
gst_swin_region_area (const GstSwinRegion *r)
{
  return (guint64) r->rect.width * r->rect.height;
}

/* Sync mode: classifies @regions[@chosen] of @frame (and every untracked
 * region), keeps the tracked ones' results in their tracks, attaches every
 * region's result and posts the message.  FALSE after posting an error. */
static gboolean
gst_swin_classify_regions_sync (GstSwinClassify *self, GstBuffer *buf, GArray *regions,
                                const guint64 *keys, const guint *chosen, guint n_chosen,
                                gboolean may_infer, GstSwinRegionSkips *skips,
                                const GstSwinFramePosition *pos)
{
  gint64 t0 = g_get_monotonic_time ();
  guint n = regions->len, classes = self->model->arch.num_classes, n_run = n_chosen;
  GstSwinOutputSettings out = gst_swin_classify_output_settings (self);
  GstStructure **fresh = g_new0 (GstStructure *, n), **computed = g_new0 (GstStructure *, n);
  guint *run = g_new (guint, MAX (n, 1));
  gfloat *probs = g_new (gfloat, classes), *logits = NULL, *features = NULL;
  gboolean ok = TRUE;

  memcpy (run, chosen, n_chosen * sizeof (guint));
  /* A region without a track has no result to carry: computed each frame. */
  for (guint i = 0; i < n && may_infer; i++)
    if (!keys[i])
      run[n_run++] = i;
  if (n_run > 0) {
    SwinRect *rects = g_new (SwinRect, n_run);
    GstVideoFrame vf;
    SwinFrame frame;

    for (guint j = 0; j < n_run; j++)
      rects[j] = g_array_index (regions, GstSwinRegion, run[j]).rect;
    if (!gst_video_frame_map (&vf, &self->info, buf, GST_MAP_READ)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
      ok = FALSE;
    } else {
      gst_swin_video_frame_describe (&vf, &frame);
      logits = gst_swin_classify_run (self, &frame, rects, n_run, &features);
      gst_video_frame_unmap (&vf);
      ok = logits != NULL;
    }
    g_free (rects);
  }
  for (guint j = 0; ok && j < n_run; j++) {
    guint i = run[j];
    GstStructure *result = gst_swin_classify_region_result (self, logits + (gsize) j * classes,
                                                            &out, probs);

    if (keys[i]) {
      gst_swin_tracker_store (self->tracker, keys[i], pos->index, result, probs,
                              gst_swin_region_area (&g_array_index (regions, GstSwinRegion, i)));
    } else {
      gst_swin_regions_set_best (result);
      fresh[i] = result;
    }
  }
  g_free (logits);
  g_free (probs);
  if (ok) {
    gst_swin_classify_attach_tracks (self, buf, regions, keys, fresh, pos, &out);
    /* Features only where computed: a track's frames in between carry its
     * result, not an image's features. */
    if (features)
      gst_swin_features_attach_regions (buf, regions, run, n_run, features,
                                        SWIN_ARCH_NUM_FEATURES (&self->model->arch),
                                        self->model->model_name, pos->index, out.result_name);
    if (n_run > 0 && gst_swin_classify_count (self, t0))
      gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
    if (out.post && n_run > 0) {
      GstSwinTrackResult tr;

      for (guint j = 0; j < n_run; j++) {
        guint i = run[j];

        if (fresh[i])
          computed[i] = gst_structure_copy (fresh[i]);
        else if (gst_swin_tracker_get (self->tracker, keys[i], &tr) && tr.result)
          computed[i] = gst_swin_classify_track_structure (self, &tr, pos->index, out.threshold);
      }
      gst_swin_classify_post_regions (self, regions, computed, skips, pos, 0);
    }
  }
  for (guint i = 0; i < n; i++) {
    if (fresh[i])
      gst_structure_free (fresh[i]);
    if (computed[i])
      gst_structure_free (computed[i]);
  }
  g_free (fresh);
  g_free (computed);
  g_free (run);
  g_free (features);
  return ok;
}

/* An async roi-list request: the frame it lends, the regions it
 * classifies and their tracks. */
typedef struct {
  GstSwinClassify *self;     /* not a reference: stop() detaches from the runner first */
  GstVideoFrame vf;
  GArray *regions;           /* GstSwinRegion, their metas not to be read */
  guint64 *keys;
  GstSwinRegionSkips skips;
  GstSwinFramePosition position;
  gint64 t0;
} GstSwinRegionsJob;

static void
gst_swin_regions_job_release (void *data)
{
  GstSwinRegionsJob *job = data;

  gst_video_frame_unmap (&job->vf);
}

static void
gst_swin_regions_job_free (GstSwinRegionsJob *job)
{
  g_array_unref (job->regions);
  g_free (job->keys);
  g_free (job);
}

/* On the runner's thread, after the release: each result to its track, if
 * it is still there (a flush or caps change forgot it: dropped). */
static void
gst_swin_regions_job_done (const SwinRunnerResult *result, void *data)
{
  GstSwinRegionsJob *job = data;
  GstSwinClassify *self = job->self;
  guint n = job->regions->len, classes = self->model->arch.num_classes;

  if (!result->error) {
    GstSwinOutputSettings out = gst_swin_classify_output_settings (self);
    GstStructure **computed = g_new0 (GstStructure *, n);
    gfloat *probs = g_new (gfloat, classes);
    gboolean relatency = gst_swin_classify_count (self, job->t0);
    GstSwinTrackResult tr;
    guint64 age;

    gst_swin_classify_note_cpu (self, result->preprocessed_on, job->vf.info.width,
                                job->vf.info.height);
    for (guint i = 0; i < n; i++) {
      GstStructure *r = gst_swin_classify_region_result (self, result->logits + (gsize) i * classes,
                                                         &out, probs);

      gst_swin_tracker_store (self->tracker, job->keys[i], job->position.index, r, probs,
                              gst_swin_region_area (&g_array_index (job->regions, GstSwinRegion,
                                                                    i)));
      if (out.post && gst_swin_tracker_get (self->tracker, job->keys[i], &tr) && tr.result)
        computed[i] = gst_swin_classify_track_structure (self, &tr, job->position.index,
                                                         out.threshold);
    }
    /* Free for the next frame before anyone hears of these results: a
     * frame pushed after the message must be able to start a forward. */
    g_atomic_int_set (&self->regions_job, FALSE);
    if (out.post && gst_swin_results_age (&self->results, &job->position, &age))
      gst_swin_classify_post_regions (self, job->regions, computed, &job->skips, &job->position,
                                      age);
    for (guint i = 0; i < n; i++)
      if (computed[i])
        gst_structure_free (computed[i]);
    g_free (computed);
    g_free (probs);
    if (relatency)
      gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
  } else if (g_error_matches (result->error, SWIN_ERROR, SWIN_ERROR_CANCELLED)) {
    GST_LOG_OBJECT (self, "regions of frame %" G_GUINT64_FORMAT " not classified: %s",
                    job->position.index, result->error->message);
    g_atomic_int_set (&self->regions_job, FALSE);
  } else {
    g_atomic_int_set (&self->failed, TRUE);
    g_atomic_int_set (&self->regions_job, FALSE);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", result->error->message),
                       (NULL));
  }
  gst_swin_regions_job_free (job);
}

/* Async mode: every tracked region carries its track's latest result, then
 * @buf is lent to the runner for @regions[@chosen], unless a request of
 * this element is still out (the frame never waits).  FALSE after posting
 * an error. */
static gboolean
gst_swin_classify_regions_async (GstSwinClassify *self, GstBuffer *buf, GArray *regions,
                                 const guint64 *keys, const guint *chosen, guint n_chosen,
                                 gboolean may_infer, GstSwinRegionSkips *skips,
                                 const GstSwinFramePosition *pos)
{
  GstSwinOutputSettings out = gst_swin_classify_output_settings (self);
  GstSwinRegionsJob *job;
  SwinRunnerRequest request;
  SwinRect *rects;
  SwinFrame frame;
  GError *error = NULL;
  gboolean ok;

  for (guint i = 0; i < regions->len; i++)
    if (!keys[i])
      skips->untracked++;   /* no later frame could carry its result */
  /* The results first: once lent, the buffer is not writable. */
  gst_swin_classify_attach_tracks (self, buf, regions, keys, NULL, pos, &out);
  if (!may_infer || n_chosen == 0 || !g_atomic_int_compare_and_exchange (&self->regions_job,
                                                                         FALSE, TRUE))
    return TRUE;

  job = g_new0 (GstSwinRegionsJob, 1);
  job->self = self;
  job->regions = g_array_sized_new (FALSE, FALSE, sizeof (GstSwinRegion), n_chosen);
  job->keys = g_new (guint64, n_chosen);
  job->skips = *skips;
  job->position = *pos;
  job->t0 = g_get_monotonic_time ();
  rects = g_new (SwinRect, n_chosen);
  for (guint j = 0; j < n_chosen; j++) {
    GstSwinRegion r = g_array_index (regions, GstSwinRegion, chosen[j]);

    r.meta = NULL;          /* the buffer's, gone by the time the result comes */
    g_array_append_val (job->regions, r);
    job->keys[j] = keys[chosen[j]];
    rects[j] = r.rect;
  }
  if (!gst_video_frame_map (&job->vf, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"), (NULL));
    ok = FALSE;
    goto failed;
  }
  gst_swin_video_frame_describe (&job->vf, &frame);
  request = gst_swin_classify_request (self, &frame, rects, n_chosen);
  /* The frame has gone on by the time they would come: async regions
   * carry their tracks' results, not features. */
  request.want_features = FALSE;
  request.release = gst_swin_regions_job_release;
  request.release_data = job;
  ok = swin_runner_submit (self->model->runner, &request, gst_swin_regions_job_done, job, &error);
  if (!ok) {
    gst_video_frame_unmap (&job->vf);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s", error->message), (NULL));
    g_clear_error (&error);
  }
failed:
  g_free (rects);
  if (!ok) {
    gst_swin_regions_job_free (job);
    g_atomic_int_set (&self->regions_job, FALSE);
  }
  return ok;
}

/* inference-region=roi-list: @buf's selected regions get their tracks;
 * those due (when @may_infer) are classified, and every region whose track
 * has a result carries it.  The regions are @buf's region metas and,
 * GStreamer 1.24+, its detections (gstswinanalytics.h); frames without
 * any pass untouched.  FALSE after posting an error. */
gboolean
gst_swin_classify_process_regions (GstSwinClassify *self, GstBuffer *buf,
                                   const GstSwinFramePosition *pos, gboolean may_infer)
{
  GstSwinRegionFilter filter = self->filter;
  GstSwinRegionSkips skips;
  GArray *regions;
  guint n, n_chosen;
  GstSwinTrackerPlan plan = gst_swin_classify_plan (self);
  guint64 *keys;
  guint *chosen;
  gboolean *hold = NULL, ok;

  filter.width = GST_VIDEO_INFO_WIDTH (&self->info);
  filter.height = GST_VIDEO_INFO_HEIGHT (&self->info);
  regions = gst_swin_regions_collect (GST_OBJECT (self), buf, &filter, &skips);
  gst_swin_analytics_collect (GST_OBJECT (self), buf, regions, &filter, &skips);
  gst_swin_regions_limit (GST_OBJECT (self), regions, &filter, &skips);
  n = regions->len;
  keys = g_new (guint64, MAX (n, 1));
  chosen = g_new (guint, MAX (n, 1));
  gst_swin_tracker_update (self->tracker, pos->index, pos->pts, regions, keys);
  if (filter.edge == GST_SWIN_EDGE_HOLD) {
    hold = g_new (gboolean, MAX (n, 1));
    for (guint i = 0; i < n; i++)
      hold[i] = gst_swin_region_at_edge (&g_array_index (regions, GstSwinRegion, i),
                                         filter.width, filter.height);
  }
  n_chosen = may_infer ? gst_swin_tracker_plan (self->tracker, pos->index, regions, keys, hold,
                                                &plan, chosen) : 0;
  if (self->run_mode == GST_SWIN_CLASSIFY_MODE_ASYNC)
    ok = gst_swin_classify_regions_async (self, buf, regions, keys, chosen, n_chosen, may_infer,
                                          &skips, pos);
  else
    ok = gst_swin_classify_regions_sync (self, buf, regions, keys, chosen, n_chosen, may_infer,
                                         &skips, pos);
  g_free (hold);
  g_free (chosen);
  g_free (keys);
  g_array_unref (regions);
  return ok;
}

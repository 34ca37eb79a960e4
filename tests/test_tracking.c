/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify inference-region=roi-list with objects across frames
 * (GstHarness, against the core's CPU preprocessing and forward): the
 * first frame of a track is computed and the next N-1 carry it with their
 * age; a grown box is recomputed; the order within a forward (new objects
 * first, then the oldest results, none starving); smoothing (vote, mean)
 * against the CPU probabilities; the regions skipped per reason; upstream
 * ids (DL Streamer's object_id) that swap, repeat and jump; flush and caps
 * changes; async roi-list; a thousand objects on a frame; swinpublish's
 * track_id.  And the track table itself: bounded (least recently seen
 * first), duplicate and changing ids, objects that vanish and come back,
 * the plan's order, the smoothing rules. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "gstswinjson.h"
#include "gstswinmeta.h"
#include "gstswintracker.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_json.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define CLASSES 10
#define IMG 56
#define CAPS "video/x-raw,format=RGB,width=160,height=120,framerate=30/1"

static gchar *tmpdir;
static gchar *model_path;
static SwinModel *model;
static GstVideoInfo info;

/* A region a detector found: @object_id >= 0 adds DL Streamer's
 * "object_id" parameter. */
typedef struct {
  const gchar *type;
  gint x, y, w, h;
  gint object_id;
} Obj;

static GstElement *
make_element (const gchar *first_property, ...)
{
  GstElement *e;
  va_list args;

  va_start (args, first_property);
  e = swin_test_new_element_valist (model_path, first_property, args);
  va_end (args);
  g_object_set (e, "inference-region", 1 /* roi-list */, "top-k", 3, NULL);
  return gst_object_ref_sink (e);
}

static GstHarness *
make_harness (GstElement *e, GstBus *bus)
{
  GstHarness *h;

  if (bus)
    gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* Frame @n (random pixels of @seed) with @objs as region metas, ids 100 + i. */
static GstBuffer *
make_frame (const Obj *objs, guint n_objs, guint n, guint32 seed)
{
  GstBuffer *buf = swin_test_make_frame (CAPS, n, seed);

  for (guint i = 0; i < n_objs; i++) {
    GstVideoRegionOfInterestMeta *m = gst_buffer_add_video_region_of_interest_meta (
        buf, objs[i].type, objs[i].x, objs[i].y, objs[i].w, objs[i].h);

    m->id = (gint) i + 100;
    if (objs[i].object_id >= 0)
      gst_video_region_of_interest_meta_add_param (
          m, gst_structure_new ("object_id", "id", G_TYPE_INT, objs[i].object_id, NULL));
  }
  return buf;
}

/* The result on region @i of @out, or NULL. */
static const GstStructure *
result_of (GstBuffer *out, guint i)
{
  GstVideoRegionOfInterestMeta *m = gst_buffer_get_video_region_of_interest_meta_id (out, 100 + i);

  fail_unless (m != NULL);
  return gst_video_region_of_interest_meta_get_swin_result (m);
}

/* @s was computed on @out for @obj's box (inside the frame). */
static void
check_computed (const GstStructure *s, GstBuffer *out, const Obj *obj)
{
  SwinRect r = { obj->x, obj->y, obj->w, obj->h };

  swin_test_check_region_result (s, model, out, &info, &r, SWIN_SCALE_CENTER_CROP);
}

/* @a and @b hold the same computation (top-k). */
static gboolean
same_result (const GstStructure *a, const GstStructure *b)
{
  return gst_value_compare (gst_structure_get_value (a, "scores"),
                            gst_structure_get_value (b, "scores")) == GST_VALUE_EQUAL &&
         gst_value_compare (gst_structure_get_value (a, "class-ids"),
                            gst_structure_get_value (b, "class-ids")) == GST_VALUE_EQUAL;
}

static guint64
track_id_of (const GstStructure *s)
{
  guint64 id = 0;

  fail_unless (gst_swin_region_result_get_track_id (s, &id), "no track-id");
  return id;
}

/* reclassify-interval=4: frames 0, 4, 8 of each track are computed, the
 * others carry that result with their age; track ids stay along the
 * motion; raw and reported best class agree without smoothing; the JSON
 * object carries the track id. */
GST_START_TEST (test_interval_carries)
{
  GstHarness *h = make_harness (make_element ("reclassify-interval", 4, NULL), NULL);
  GstStructure *computed[2] = { NULL, NULL };
  guint64 ids[2] = { 0, 0 };
  guint64 inferred;

  for (guint f = 0; f < 10; f++) {
    Obj objs[] = { { "face", 10 + (gint) f, 10, 40, 30, -1 },
                   { "face", 90, 50 + (gint) f, 30, 40, -1 } };
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, 2, f, 100 + f));

    for (guint i = 0; i < 2; i++) {
      const GstStructure *s = result_of (out, i);
      const gchar *label, *raw_label;
      gint label_id, raw_id;
      gdouble confidence, raw_confidence;

      fail_unless (s != NULL, "frame %u region %u: no result", f, i);
      fail_unless_equals_uint64 (gst_swin_result_get_frame (s), f);
      fail_unless_equals_int (gst_swin_result_get_age (s), f % 4);
      if (f == 0)
        ids[i] = track_id_of (s);
      fail_unless_equals_uint64 (track_id_of (s), ids[i]);
      if (f % 4 == 0) {
        check_computed (s, out, &objs[i]);
        g_clear_pointer (&computed[i], gst_structure_free);
        computed[i] = gst_structure_copy (s);
      } else {
        fail_unless (same_result (s, computed[i]), "frame %u region %u: another result", f, i);
      }
      fail_unless (gst_swin_region_result_get_best (s, &label, &label_id, &confidence));
      fail_unless (gst_swin_region_result_get_raw (s, &raw_label, &raw_id, &raw_confidence));
      fail_unless_equals_string (label, raw_label);
      fail_unless_equals_int (label_id, raw_id);
      fail_unless (confidence == raw_confidence);
    }
    fail_if (ids[0] == ids[1]);
    if (f == 9) {
      GstSwinJsonContext ctx = { .width = 160, .height = 120 };
      gchar *text = gst_swin_json_serialize (out, &ctx, NULL);
      JsonObject *o = swin_test_json_parse (text);
      JsonArray *objects = json_object_get_array_member (o, "objects");

      fail_unless_equals_int (json_array_get_length (objects), 2);
      for (guint i = 0; i < 2; i++)
        swin_test_json_check_int (json_array_get_object_element (objects, i), "track_id",
                                  (gint64) ids[i]);
      json_object_unref (o);
      g_free (text);
    }
    gst_buffer_unref (out);
  }
  g_object_get (h->element, "frames-inferred", &inferred, NULL);
  fail_unless_equals_uint64 (inferred, 3);
  for (guint i = 0; i < 2; i++)
    gst_structure_free (computed[i]);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The default (reclassify-interval=1): every region of every frame is
 * computed, as without tracking, and carries its track id. */
GST_START_TEST (test_default_every_frame)
{
  GstHarness *h = make_harness (make_element (NULL), NULL);
  guint64 id = 0;

  for (guint f = 0; f < 3; f++) {
    Obj objs[] = { { "car", 20 + 2 * (gint) f, 30, 50, 40, -1 } };
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, 1, f, 200 + f));
    const GstStructure *s = result_of (out, 0);

    fail_unless (s != NULL);
    fail_unless_equals_int (gst_swin_result_get_age (s), 0);
    check_computed (s, out, &objs[0]);
    if (f == 0)
      id = track_id_of (s);
    fail_unless_equals_uint64 (track_id_of (s), id);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* reclassify-growth: a box whose area grew by more than the factor since
 * its classification is computed again at once; 0 never. */
GST_START_TEST (test_growth)
{
  static const gint sides[] = { 20, 22, 25, 26 };
  static const guint ages_growth[] = { 0, 1, 0, 1 };
  static const guint ages_never[] = { 0, 1, 2, 3 };

  for (guint run = 0; run < 2; run++) {
    GstHarness *h = make_harness (make_element ("reclassify-interval", 100, "reclassify-growth",
                                                run == 0 ? 1.5 : 0.0, NULL), NULL);

    for (guint f = 0; f < G_N_ELEMENTS (sides); f++) {
      Obj objs[] = { { "face", 30, 30, sides[f], sides[f], -1 } };
      GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, 1, f, 300 + f));
      const GstStructure *s = result_of (out, 0);
      guint age = gst_swin_result_get_age (s);

      fail_unless_equals_int (age, run == 0 ? ages_growth[f] : ages_never[f]);
      if (age == 0)
        check_computed (s, out, &objs[0]);
      gst_buffer_unref (out);
    }
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Twelve objects, batch-size 3, reclassify-interval 2: each frame computes
 * min(3, due) regions, new objects before any recomputation, then the
 * oldest results first; every object keeps being recomputed (no age above
 * what the round-robin allows). */
GST_START_TEST (test_batch_order)
{
  enum { N = 12, BATCH = 3, INTERVAL = 2, FRAMES = 24 };
  GstHarness *h = make_harness (make_element ("reclassify-interval", INTERVAL, "batch-size", BATCH,
                                              NULL), NULL);
  Obj objs[N];
  gint prev_age[N];
  guint recomputed[N] = { 0 };

  for (guint i = 0; i < N; i++) {
    objs[i] = (Obj) { "object", 5 + 25 * (gint) (i % 6), 10 + 55 * (gint) (i / 6), 20, 20, -1 };
    prev_age[i] = -1;
  }
  for (guint f = 0; f < FRAMES; f++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, N, f, 400 + f));
    gboolean computed[N], due[N];
    guint n_computed = 0, n_due = 0, n_new = 0, n_new_computed = 0;
    gint oldest_left = -1, youngest_recomputed = G_MAXINT;

    for (guint i = 0; i < N; i++) {
      const GstStructure *s = result_of (out, i);

      due[i] = prev_age[i] < 0 || prev_age[i] + 1 >= INTERVAL;
      computed[i] = s && gst_swin_result_get_age (s) == 0;
      n_due += due[i];
      n_computed += computed[i];
      n_new += prev_age[i] < 0;
      n_new_computed += prev_age[i] < 0 && computed[i];
      fail_unless (!computed[i] || due[i], "frame %u: region %u computed before due", f, i);
      if (computed[i]) {
        check_computed (s, out, &objs[i]);
        if (prev_age[i] >= 0) {
          recomputed[i]++;
          youngest_recomputed = MIN (youngest_recomputed, prev_age[i]);
        }
      } else if (due[i] && prev_age[i] >= 0) {
        oldest_left = MAX (oldest_left, prev_age[i]);
      }
      if (s) {
        prev_age[i] = (gint) gst_swin_result_get_age (s);
        fail_unless (prev_age[i] <= INTERVAL + N / BATCH, "frame %u: region %u starves (age %d)",
                     f, i, prev_age[i]);
      } else {
        fail_unless (prev_age[i] < 0, "frame %u: region %u lost its result", f, i);
      }
    }
    fail_unless_equals_int (n_computed, MIN (BATCH, n_due));
    /* new objects first */
    fail_unless_equals_int (n_new_computed, MIN (BATCH, n_new));
    /* then the oldest results */
    fail_unless (oldest_left <= youngest_recomputed, "frame %u: a result %d frames old waits "
                 "while one %d frames old is recomputed", f, oldest_left, youngest_recomputed);
    gst_buffer_unref (out);
  }
  for (guint i = 0; i < N; i++)
    fail_unless (recomputed[i] >= 3, "region %u recomputed %u times", i, recomputed[i]);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The expected smoothed class of the last @n rows of @probs (n rows of
 * CLASSES, oldest first) and its mean probability. */
static gint
expected_smoothed (GstSwinSmoothing mode, float *const *probs, guint n, gdouble *confidence)
{
  gint best = -1, chosen = -1, labels[8];
  gdouble best_mean = -1;

  if (mode == GST_SWIN_SMOOTHING_VOTE) {
    guint best_votes = 0;

    for (guint i = 0; i < n; i++) {
      labels[i] = 0;
      for (gint k = 1; k < CLASSES; k++)
        if (probs[i][k] > probs[i][labels[i]])
          labels[i] = k;
    }
    /* the newest first, so that a tie goes to the most recent */
    for (gint i = (gint) n - 1; i >= 0; i--) {
      guint votes = 0;

      for (guint j = 0; j < n; j++)
        votes += labels[j] == labels[i];
      if (votes > best_votes) {
        best_votes = votes;
        best = labels[i];
      }
    }
  }
  for (gint k = 0; k < CLASSES; k++) {
    gdouble mean = 0;

    if (mode == GST_SWIN_SMOOTHING_VOTE && k != best)
      continue;
    for (guint i = 0; i < n; i++)
      mean += probs[i][k] / n;
    if (mean > best_mean) {
      best_mean = mean;
      *confidence = mean;
      chosen = k;
    }
  }
  return chosen;
}

/* smoothing=vote|mean over a window of 3: the reported class and
 * confidence from the CPU probabilities of the track's last three frames;
 * the raw class the last frame's. */
GST_START_TEST (test_smoothing)
{
  for (GstSwinSmoothing mode = GST_SWIN_SMOOTHING_VOTE; mode <= GST_SWIN_SMOOTHING_MEAN; mode++) {
    GstHarness *h = make_harness (make_element ("smoothing", mode, "smoothing-window", 3, NULL),
                                  NULL);
    float *history[8];

    for (guint f = 0; f < 6; f++) {
      Obj objs[] = { { "face", 40, 20, 60, 70, -1 } };
      GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, 1, f, 500 + f));
      const GstStructure *s = result_of (out, 0);
      SwinRect r = { 40, 20, 60, 70 };
      guint n = MIN (f + 1, 3);
      gint label_id, raw_id, want;
      gdouble confidence, want_confidence = 0;

      history[f] = swin_test_core_region_probs (model, out, &info, &r, SWIN_SCALE_CENTER_CROP);
      want = expected_smoothed (mode, history + f + 1 - n, n, &want_confidence);
      fail_unless (gst_swin_region_result_get_best (s, NULL, &label_id, &confidence));
      fail_unless (gst_swin_region_result_get_raw (s, NULL, &raw_id, NULL));
      check_computed (s, out, &objs[0]);
      fail_unless (label_id == want, "smoothing %d frame %u: class %d, expected %d", mode, f,
                   label_id, want);
      fail_unless (fabs (confidence - want_confidence) < 1e-4, "frame %u: %g, expected %g", f,
                   confidence, want_confidence);
      {
        const gchar *label = gst_structure_get_string (s, "label");
        gchar *expect = g_strdup_printf ("class %d", want);

        fail_unless_equals_string (label, expect);
        g_free (expect);
      }
      fail_unless (gst_swin_result_get_class (s, 0, &want, NULL, NULL));
      fail_unless_equals_int (raw_id, want);
      gst_buffer_unref (out);
    }
    for (guint f = 0; f < 6; f++)
      g_free (history[f]);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

static guint
skipped_count (const GstStructure *msg, const gchar *reason)
{
  const GValue *v = gst_structure_get_value (msg, GST_SWIN_FIELD_SKIPPED);
  guint n = G_MAXUINT;

  fail_unless (v && GST_VALUE_HOLDS_STRUCTURE (v));
  fail_unless (gst_structure_get_uint (gst_value_get_structure (v), reason, &n));
  return n;
}

/* object-class, outside, min-roi-size, max-roi-size, edge-regions=skip and
 * max-regions (the largest kept): each skipped region counted in the
 * message under its reason, and left without a result. */
GST_START_TEST (test_skipped)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h = make_harness (make_element ("object-class", "face", "min-roi-size", "10x10",
                                              "max-roi-size", "50x50", "edge-regions", 1 /* skip */,
                                              "max-regions", 2, NULL), bus);
  static const Obj objs[] = {
    { "car", 10, 10, 20, 20, -1 },      /* object-class */
    { "face", 200, 10, 20, 20, -1 },    /* outside */
    { "face", 10, 80, 5, 5, -1 },       /* min-roi-size */
    { "face", 30, 30, 60, 60, -1 },     /* max-roi-size */
    { "face", 0, 40, 20, 20, -1 },      /* edge */
    { "face", 100, 5, 20, 20, -1 },     /* max-regions: the smallest */
    { "face", 125, 30, 30, 30, -1 },
    { "face", 100, 70, 25, 25, -1 },
  };
  static const gchar *reasons[] = { "object-class", "outside", "min-roi-size", "max-roi-size",
                                    "edge", "max-regions" };
  GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, G_N_ELEMENTS (objs), 0, 600));
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  const GstStructure *ms;
  const GValue *list;

  fail_unless (msg != NULL);
  ms = gst_message_get_structure (msg);
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    fail_unless (skipped_count (ms, reasons[i]) == 1, "%s: %u", reasons[i],
                 skipped_count (ms, reasons[i]));
  fail_unless_equals_int (skipped_count (ms, "untracked"), 0);
  list = gst_structure_get_value (ms, GST_SWIN_FIELD_REGIONS);
  fail_unless_equals_int (gst_value_array_get_size (list), 2);
  for (guint i = 0; i < 2; i++) {
    const GstStructure *r = gst_value_get_structure (gst_value_array_get_value (list, i));
    guint64 track;

    fail_unless (gst_structure_get_uint64 (r, "track-id", &track));
  }
  for (guint i = 0; i < G_N_ELEMENTS (objs); i++) {
    const GstStructure *s = result_of (out, i);

    if (i < 6) {
      fail_unless (s == NULL, "region %u should have been skipped", i);
    } else {
      fail_unless (s != NULL);
      check_computed (s, out, &objs[i]);
    }
  }
  gst_message_unref (msg);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* edge-regions=hold: a region at the edge keeps its track's first result
 * while the inner one is computed on every frame. */
GST_START_TEST (test_edge_hold)
{
  GstHarness *h = make_harness (make_element ("edge-regions", 2 /* hold */, NULL), NULL);
  static const Obj objs[] = { { "face", 130, 90, 30, 30, -1 }, { "face", 50, 40, 30, 30, -1 } };

  for (guint f = 0; f < 3; f++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, 2, f, 700 + f));
    const GstStructure *edge = result_of (out, 0), *inner = result_of (out, 1);

    fail_unless_equals_int (gst_swin_result_get_age (edge), f);
    fail_unless_equals_int (gst_swin_result_get_age (inner), 0);
    check_computed (inner, out, &objs[1]);
    if (f == 0)
      check_computed (edge, out, &objs[0]);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Upstream ids (DL Streamer's object_id): the result follows the id, not
 * the place; an id on two regions of a frame tracks the first only (the
 * second is computed for itself, without a track id); a new id is a new
 * object. */
GST_START_TEST (test_upstream_ids)
{
  GstHarness *h = make_harness (make_element ("reclassify-interval", 10, NULL), NULL);
  Obj first[] = { { "person", 10, 10, 40, 50, 5 }, { "person", 100, 40, 40, 50, 6 } };
  Obj swapped[] = { { "person", 100, 40, 40, 50, 5 }, { "person", 10, 10, 40, 50, 6 } };
  Obj twice[] = { { "person", 10, 10, 40, 50, 5 }, { "person", 100, 40, 40, 50, 5 } };
  Obj jumped[] = { { "person", 10, 10, 40, 50, 900 } };
  GstStructure *of5, *of6;
  GstBuffer *out;
  const GstStructure *s;
  guint64 track;

  out = gst_harness_push_and_pull (h, make_frame (first, 2, 0, 800));
  of5 = gst_structure_copy (result_of (out, 0));
  of6 = gst_structure_copy (result_of (out, 1));
  check_computed (of5, out, &first[0]);
  check_computed (of6, out, &first[1]);
  fail_unless_equals_uint64 (track_id_of (of5), 5);
  fail_unless_equals_uint64 (track_id_of (of6), 6);
  gst_buffer_unref (out);

  out = gst_harness_push_and_pull (h, make_frame (swapped, 2, 1, 801));
  fail_unless (same_result (result_of (out, 0), of5));
  fail_unless (same_result (result_of (out, 1), of6));
  fail_unless_equals_uint64 (track_id_of (result_of (out, 0)), 5);
  fail_unless_equals_int (gst_swin_result_get_age (result_of (out, 0)), 1);
  gst_buffer_unref (out);

  out = gst_harness_push_and_pull (h, make_frame (twice, 2, 2, 802));
  fail_unless (same_result (result_of (out, 0), of5));
  s = result_of (out, 1);
  fail_unless (s != NULL);
  fail_if (gst_swin_region_result_get_track_id (s, &track));
  fail_unless_equals_int (gst_swin_result_get_age (s), 0);
  check_computed (s, out, &twice[1]);
  gst_buffer_unref (out);

  out = gst_harness_push_and_pull (h, make_frame (jumped, 1, 3, 803));
  s = result_of (out, 0);
  fail_unless_equals_uint64 (track_id_of (s), 900);
  fail_unless_equals_int (gst_swin_result_get_age (s), 0);
  check_computed (s, out, &jumped[0]);
  gst_buffer_unref (out);
  gst_structure_free (of5);
  gst_structure_free (of6);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A flush and a caps change forget every track: the next frame computes
 * its regions again, under new track ids. */
GST_START_TEST (test_flush_and_caps)
{
  static const gchar *taller = "video/x-raw,format=RGB,width=160,height=121,framerate=30/1";
  GstHarness *h = make_harness (make_element ("reclassify-interval", 10, NULL), NULL);
  guint64 ids[4];

  for (guint f = 0; f < 4; f++) {
    GstBuffer *in, *out;
    GstVideoRegionOfInterestMeta *m;
    const GstStructure *s;

    if (f == 2) {
      GstSegment segment;

      fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
      gst_segment_init (&segment, GST_FORMAT_TIME);
      fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
    } else if (f == 3) {
      gst_harness_set_src_caps_str (h, taller);
    }
    in = swin_test_make_frame (f == 3 ? taller : CAPS, f, 900 + f);
    m = gst_buffer_add_video_region_of_interest_meta (in, "face", 30, 30, 40, 40);
    m->id = 100;
    out = gst_harness_push_and_pull (h, in);
    s = result_of (out, 0);
    fail_unless (s != NULL);
    ids[f] = track_id_of (s);
    fail_unless_equals_int (gst_swin_result_get_age (s), f == 1 ? 1 : 0);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (ids[1], ids[0]);
  fail_if (ids[2] == ids[1], "the flush kept the track");
  fail_if (ids[3] == ids[2], "the caps change kept the track");
  gst_harness_teardown (h);
}
GST_END_TEST;

/* mode=async with roi-list: no frame waits; a frame's regions carry their
 * track's latest result, computed on an earlier frame (checked against the
 * core on that frame's pixels), with its age; after a flush the tracks
 * are gone. */
GST_START_TEST (test_async)
{
  enum { FRAMES = 8 };
  GstBus *bus = gst_bus_new ();
  GstHarness *h = make_harness (make_element ("mode", 1 /* async */, NULL), bus);
  static const Obj objs[] = { { "face", 10, 10, 40, 40, -1 }, { "face", 60, 30, 30, 50, -1 },
                              { "face", 100, 60, 50, 50, -1 } };
  GstBuffer *inputs[FRAMES];
  guint with_results = 0;

  for (guint f = 0; f < FRAMES; f++) {
    GstBuffer *out;

    inputs[f] = make_frame (objs, 3, f, 1000 + f);
    out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (inputs[f]));
    for (guint i = 0; i < 3; i++) {
      const GstStructure *s = result_of (out, i);
      guint age;

      if (f == 0)
        fail_unless (s == NULL, "the first frame cannot have a result");
      if (!s)
        continue;
      with_results++;
      age = gst_swin_result_get_age (s);
      fail_unless (age >= 1 && age <= f, "frame %u: age %u", f, age);
      fail_unless_equals_uint64 (gst_swin_result_get_frame (s), f);
      track_id_of (s);
      check_computed (s, inputs[f - age], &objs[i]);
    }
    gst_buffer_unref (out);
    /* every other frame, the result of the forward under way first */
    if (f % 2 == 0) {
      GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ELEMENT);
      const GValue *list;

      fail_unless (msg != NULL, "no result within a minute");
      list = gst_structure_get_value (gst_message_get_structure (msg), GST_SWIN_FIELD_REGIONS);
      fail_unless_equals_int (gst_value_array_get_size (list), 3);
      gst_message_unref (msg);
    }
  }
  /* from frame 1 on (after the first forward), every region has one */
  fail_unless_equals_int (with_results, 3 * (FRAMES - 1));

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  {
    GstSegment segment;
    GstBuffer *out;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
    out = gst_harness_push_and_pull (h, make_frame (objs, 3, 0, 1100));
    for (guint i = 0; i < 3; i++)
      fail_unless (result_of (out, i) == NULL, "a result survived the flush");
    gst_buffer_unref (out);
  }
  for (guint f = 0; f < FRAMES; f++)
    gst_buffer_unref (inputs[f]);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* A thousand objects on a frame (more than the track table holds): every
 * region gets a result of its own box; those with a track carry it on the
 * next frame, those without are computed again. */
GST_START_TEST (test_thousand_objects)
{
  enum { N = 1000 };
  GstHarness *h = make_harness (make_element ("reclassify-interval", 5, "batch-size", 256,
                                              "min-roi-size", "1x1", NULL),
                                NULL);
  Obj *objs = g_new (Obj, N);
  GstStructure **first = g_new0 (GstStructure *, N);
  GHashTable *ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint tracked = 0;

  for (guint i = 0; i < N; i++)
    objs[i] = (Obj) { "dot", 4 * (gint) (i % 40), 4 * (gint) (i / 40), 4, 4, -1 };
  for (guint f = 0; f < 2; f++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (objs, N, f, 1200 + f));

    for (guint i = 0; i < N; i++) {
      const GstStructure *s = result_of (out, i);
      guint64 track;
      gboolean has_track;

      fail_unless (s != NULL, "frame %u region %u: no result", f, i);
      has_track = gst_swin_region_result_get_track_id (s, &track);
      if (f == 0) {
        first[i] = gst_structure_copy (s);
        fail_unless_equals_int (gst_swin_result_get_age (s), 0);
        if (has_track) {
          gint64 *key = g_new (gint64, 1);

          *key = (gint64) track;
          fail_if (g_hash_table_contains (ids, key), "track id %" G_GUINT64_FORMAT " twice", track);
          g_hash_table_add (ids, key);
          tracked++;
        }
      } else if (has_track) {
        fail_unless_equals_int (gst_swin_result_get_age (s), 1);
        fail_unless (same_result (s, first[i]), "region %u: another object's result", i);
      } else {
        fail_unless_equals_int (gst_swin_result_get_age (s), 0);
      }
      if (gst_swin_result_get_age (s) == 0 && i % 97 == 0)
        check_computed (s, out, &objs[i]);
    }
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (tracked, GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS);
  for (guint i = 0; i < N; i++)
    gst_structure_free (first[i]);
  g_free (first);
  g_free (objs);
  g_hash_table_destroy (ids);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* ---- the track table itself ---- */

static GArray *
regions_of (const Obj *objs, guint n)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (GstSwinRegion));

  for (guint i = 0; i < n; i++) {
    GstSwinRegion r = { .id = (gint) i, .type = g_quark_from_string (objs[i].type),
                        .x = (guint) objs[i].x, .y = (guint) objs[i].y, .w = (guint) objs[i].w,
                        .h = (guint) objs[i].h,
                        .rect = { objs[i].x, objs[i].y, objs[i].w, objs[i].h },
                        .od_id = -1, .track_id = objs[i].object_id };

    g_array_append_val (a, r);
  }
  return a;
}

/* Tracks @objs on @frame; the key of each in @keys. */
static void
update (GstSwinTracker *t, guint64 frame, const Obj *objs, guint n, guint64 *keys)
{
  GArray *a = regions_of (objs, n);

  gst_swin_tracker_update (t, frame, frame * GST_MSECOND, a, keys);
  g_array_unref (a);
}

static gboolean
has_track (GstSwinTracker *t, guint64 key)
{
  GstSwinTrackResult tr;

  return gst_swin_tracker_get (t, key, &tr);
}

static GstStructure *
dummy_result (void)
{
  return gst_structure_new_empty ("result");
}

/* At most max_tracks; a detector inventing an id a frame evicts the least
 * recently seen, never the object seen on every frame. */
GST_START_TEST (test_table_bounded)
{
  GstSwinTrackerParams p = { .max_tracks = 8, .max_age = 1000 };
  GstSwinTracker *t = gst_swin_tracker_new (&p);
  guint64 keys[2], persistent = 0, invented[20];

  for (guint f = 0; f < 20; f++) {
    Obj objs[] = { { "a", 0, 0, 10, 10, 1000 }, { "a", 20, 20, 10, 10, (gint) f } };

    update (t, f, objs, 2, keys);
    if (f == 0)
      persistent = keys[0];
    fail_unless_equals_uint64 (keys[0], persistent);
    fail_unless (keys[1] != 0);
    invented[f] = keys[1];
    fail_unless (gst_swin_tracker_size (t) <= 8);
  }
  fail_unless_equals_int (gst_swin_tracker_size (t), 8);
  for (guint f = 0; f < 20; f++)
    fail_unless_equals_int (has_track (t, invented[f]), f >= 13);
  /* a result for an evicted track is dropped */
  fail_if (gst_swin_tracker_store (t, invented[0], 20, dummy_result (), NULL, 100));
  fail_unless (gst_swin_tracker_store (t, invented[19], 20, dummy_result (), NULL, 100));
  /* an older result than the one kept, too */
  fail_if (gst_swin_tracker_store (t, invented[19], 19, dummy_result (), NULL, 100));
  gst_swin_tracker_clear (t);
  fail_unless_equals_int (gst_swin_tracker_size (t), 0);
  fail_if (gst_swin_tracker_store (t, persistent, 21, dummy_result (), NULL, 100));
  gst_swin_tracker_free (t);

  /* 5000 invented ids on one table of the default size */
  t = gst_swin_tracker_new (&(GstSwinTrackerParams) { 0 });
  for (guint f = 0; f < 5000; f++) {
    Obj objs[] = { { "a", 5, 5, 10, 10, (gint) f } };

    update (t, f, objs, 1, keys);
    fail_unless (keys[0] != 0);
  }
  fail_unless (gst_swin_tracker_size (t) <= GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS);
  gst_swin_tracker_free (t);
}
GST_END_TEST;

/* Duplicate, changing and jumping ids; objects that vanish and come back;
 * more objects on a frame than the table holds. */
GST_START_TEST (test_table_identity)
{
  GstSwinTracker *t = gst_swin_tracker_new (&(GstSwinTrackerParams) { .max_age = 5 });
  Obj dup[] = { { "a", 0, 0, 10, 10, 7 }, { "a", 50, 50, 10, 10, 7 } };
  Obj retyped[] = { { "b", 0, 0, 10, 10, 7 } };
  Obj own[] = { { "a", 40, 40, 20, 20, -1 } };
  Obj moved[] = { { "a", 44, 42, 20, 20, -1 } };
  Obj jump[] = { { "a", 40, 40, 20, 20, 300 } };
  guint64 keys[2], k7, own_key;
  guint64 *many;
  Obj *dots;

  update (t, 0, dup, 2, keys);
  fail_unless (keys[0] != 0);
  fail_unless_equals_uint64 (keys[1], 0);
  k7 = keys[0];
  update (t, 1, retyped, 1, keys);
  fail_if (keys[0] == k7 || keys[0] == 0, "another type under the same id is another object");

  update (t, 2, own, 1, keys);
  own_key = keys[0];
  /* unseen on frames 3 to 6, then back where it was (moved a little) */
  update (t, 7, moved, 1, keys);
  fail_unless_equals_uint64 (keys[0], own_key);
  /* unseen for more than max-age frames: a new object */
  update (t, 13, moved, 1, keys);
  fail_if (keys[0] == own_key);
  own_key = keys[0];
  /* an upstream id is never matched by overlap */
  update (t, 14, jump, 1, keys);
  fail_if (keys[0] == own_key);
  gst_swin_tracker_free (t);

  /* a thousand objects: the table's worth get a track, the rest none, and
   * the next frame keeps them */
  t = gst_swin_tracker_new (&(GstSwinTrackerParams) { 0 });
  dots = g_new (Obj, 1000);
  many = g_new (guint64, 2000);
  for (guint i = 0; i < 1000; i++)
    dots[i] = (Obj) { "dot", 4 * (gint) (i % 40), 4 * (gint) (i / 40), 4, 4, -1 };
  update (t, 0, dots, 1000, many);
  update (t, 1, dots, 1000, many + 1000);
  {
    guint with = 0;

    for (guint i = 0; i < 1000; i++) {
      with += many[i] != 0;
      fail_unless_equals_uint64 (many[1000 + i], many[i]);
    }
    fail_unless_equals_int (with, GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS);
  }
  g_free (many);
  g_free (dots);
  gst_swin_tracker_free (t);
}
GST_END_TEST;

/* The plan: new objects first, then the oldest results, within the
 * budget; growth; hold; regions without a track never. */
GST_START_TEST (test_table_plan)
{
  GstSwinTracker *t = gst_swin_tracker_new (&(GstSwinTrackerParams) { 0 });
  Obj objs[] = { { "a", 0, 0, 10, 10, 1 }, { "a", 20, 0, 10, 10, 2 }, { "a", 40, 0, 10, 10, 3 },
                 { "a", 60, 0, 10, 10, 4 }, { "a", 80, 0, 10, 10, 5 } };
  GArray *regions = regions_of (objs, 5);
  guint64 keys[5];
  guint chosen[5];
  gboolean hold[5] = { FALSE, FALSE, FALSE, FALSE, TRUE };
  GstSwinTrackerPlan plan = { .interval = 2, .growth = 1.5, .budget = 3 };

  gst_swin_tracker_update (t, 10, GST_CLOCK_TIME_NONE, regions, keys);
  /* results: region 0 of frame 5, 1 of frame 3, 2 of frame 9, none for 3 */
  fail_unless (gst_swin_tracker_store (t, keys[0], 5, dummy_result (), NULL, 100));
  fail_unless (gst_swin_tracker_store (t, keys[1], 3, dummy_result (), NULL, 100));
  fail_unless (gst_swin_tracker_store (t, keys[2], 9, dummy_result (), NULL, 100));
  fail_unless (gst_swin_tracker_store (t, keys[4], 1, dummy_result (), NULL, 100));
  fail_unless_equals_int (gst_swin_tracker_plan (t, 10, regions, keys, hold, &plan, chosen), 3);
  fail_unless_equals_int (chosen[0], 3);
  fail_unless_equals_int (chosen[1], 1);
  fail_unless_equals_int (chosen[2], 0);
  /* region 2 (one frame old) grows past 1.5: due */
  g_array_index (regions, GstSwinRegion, 2).rect.width = 16;
  plan.budget = 0;
  fail_unless_equals_int (gst_swin_tracker_plan (t, 10, regions, keys, hold, &plan, chosen), 4);
  fail_unless_equals_int (chosen[3], 2);
  /* without a track, never */
  keys[3] = 0;
  fail_unless_equals_int (gst_swin_tracker_plan (t, 10, regions, keys, hold, &plan, chosen), 3);
  g_array_unref (regions);
  gst_swin_tracker_free (t);
}
GST_END_TEST;

/* The smoothing rules on known probabilities: mean takes the class of
 * the highest mean, vote the majority, a tie going to the most recent. */
GST_START_TEST (test_table_smoothing)
{
  static const gfloat rows[][3] = { { 0.9f, 0.05f, 0.05f }, { 0.1f, 0.45f, 0.45f },
                                    { 0.3f, 0.6f, 0.1f } };
  struct { GstSwinSmoothing mode; guint n; gint label; gdouble confidence; } cases[] = {
    { GST_SWIN_SMOOTHING_MEAN, 2, 0, 0.5 },
    { GST_SWIN_SMOOTHING_VOTE, 2, 1, 0.25 },      /* tie: the newest label, class 1 */
    { GST_SWIN_SMOOTHING_VOTE, 3, 1, (0.05 + 0.45 + 0.6) / 3 },
    { GST_SWIN_SMOOTHING_MEAN, 3, 0, (0.9 + 0.1 + 0.3) / 3 },
  };
  Obj objs[] = { { "a", 0, 0, 10, 10, 1 } };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstSwinTracker *t = gst_swin_tracker_new (&(GstSwinTrackerParams) {
        .smoothing = cases[c].mode, .window = 3, .n_classes = 3 });
    GstSwinTrackResult tr;
    guint64 key;

    for (guint f = 0; f < cases[c].n; f++) {
      update (t, f, objs, 1, &key);
      fail_unless (gst_swin_tracker_store (t, key, f, dummy_result (), rows[f], 100));
    }
    fail_unless (gst_swin_tracker_get (t, key, &tr));
    fail_unless (tr.smoothed);
    fail_unless_equals_int (tr.label_id, cases[c].label);
    fail_unless (fabs (tr.confidence - cases[c].confidence) < 1e-6, "case %u: %g", c,
                 tr.confidence);
    fail_unless_equals_uint64 (tr.track_id, 1);
    gst_structure_free (tr.result);
    gst_swin_tracker_free (t);
  }
}
GST_END_TEST;

static Suite *
tracking_suite (void)
{
  Suite *s = suite_create ("swinclassify-tracking");
  TCase *tc = tcase_create ("tracking");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 17 };
  GstCaps *caps = gst_caps_from_string (CAPS);
  GError *error = NULL;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  tmpdir = g_dir_make_tmp ("swin-tracking-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_table_bounded);
  tcase_add_test (tc, test_table_identity);
  tcase_add_test (tc, test_table_plan);
  tcase_add_test (tc, test_table_smoothing);
  tcase_add_test (tc, test_interval_carries);
  tcase_add_test (tc, test_default_every_frame);
  tcase_add_test (tc, test_growth);
  tcase_add_test (tc, test_batch_order);
  tcase_add_test (tc, test_smoothing);
  tcase_add_test (tc, test_skipped);
  tcase_add_test (tc, test_edge_hold);
  tcase_add_test (tc, test_upstream_ids);
  tcase_add_test (tc, test_flush_and_caps);
  tcase_add_test (tc, test_async);
  tcase_add_test (tc, test_thousand_objects);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, tracking_suite, "swinclassify-tracking",
                                    __FILE__);

  swin_model_free (model);
  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify with GStreamer 1.24+'s analytics metadata, with GstHarness:
 * a whole frame's ClsMtd; regions from ODMtd, from region metas and from
 * both (classified once); each ClsMtd related to the detection it was
 * computed on and equal to the core's CPU classification of that clipped
 * rectangle; detections made for region metas; object-class on a
 * detection's type; another classifier's relation meta kept; a cascade;
 * hostile boxes, thousands of detections, a relation meta without
 * detections, a caps change; tracked objects (the ClsMtd of a carried and
 * of a smoothed result, one TrackingMtd per detection: an upstream one
 * read, else the element's); on 1.26 the features as GstTensorMeta
 * tensors.  Built only with the analytics library. */
#include <gst/analytics/analytics.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gstswinjson.h"
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define CLASSES 10
#define IMG 56
#define TOP_K 3
#define CAPS "video/x-raw,format=RGB,width=97,height=71,framerate=30/1"

static gchar *tmpdir;
static gchar *model_path;
static SwinModel *model;
static gchar *colour_path;
static SwinModel *colour_model;

static GstHarness *
make_harness (const gchar *caps, const gchar *first_property, ...)
{
  GstHarness *h;
  GstElement *e;
  va_list args;

  va_start (args, first_property);
  e = gst_object_ref_sink (swin_test_new_element_valist (model_path, first_property, args));
  va_end (args);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

static GstVideoInfo
info_of (const gchar *caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  return info;
}

static guint
add_od (GstBuffer *buf, const gchar *type, gint x, gint y, gint w, gint h)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_add_analytics_relation_meta (buf);
  GstAnalyticsODMtd od;

  fail_unless (gst_analytics_relation_meta_add_od_mtd (rmeta, g_quark_from_string (type), x, y,
                                                       w, h, 0.5f, &od));
  return od.id;
}

/* @cls lists the top classes of @probs (@classes of them), with their
 * scores. */
static void
check_cls_probs (GstAnalyticsClsMtd *cls, const float *probs, gint classes)
{
  int top[TOP_K];
  gsize n = gst_analytics_cls_mtd_get_length (cls);

  fail_unless_equals_int (n, MIN (TOP_K, classes));
  swin_topk (probs, classes, (int) n, top);
  for (gsize i = 0; i < n; i++) {
    const gchar *label = g_quark_to_string (gst_analytics_cls_mtd_get_quark (cls, i));
    gint id = -1;

    fail_unless (label && sscanf (label, "class %d", &id) == 1, "label \"%s\"", label);
    fail_unless (id == top[i] || fabsf (probs[id] - probs[top[i]]) < 1e-5f,
                 "rank %zu: element class %d, core class %d", i, id, top[i]);
    fail_unless (fabsf (gst_analytics_cls_mtd_get_level (cls, i) - probs[top[i]]) < 1e-4f,
                 "rank %zu: element %g, core %g", i, gst_analytics_cls_mtd_get_level (cls, i),
                 probs[top[i]]);
  }
}

/* @cls lists @model's top classes of @rect of @buf, with its scores. */
static void
check_cls (GstAnalyticsClsMtd *cls, const SwinModel *m, GstBuffer *buf, const GstVideoInfo *info,
           const SwinRect *rect)
{
  gint classes = swin_model_get_arch (m)->num_classes;
  float *probs = swin_test_core_region_probs (m, buf, info, rect, SWIN_SCALE_CENTER_CROP);

  check_cls_probs (cls, probs, classes);
  g_free (probs);
}

static guint
count_mtd (GstAnalyticsRelationMeta *rmeta, GstAnalyticsMtdType type)
{
  GstAnalyticsMtd mtd;
  gpointer state = NULL;
  guint n = 0;

  while (gst_analytics_relation_meta_iterate (rmeta, &state, type, &mtd))
    n++;
  return n;
}

/* The one ClsMtd related to detection @od_id, both ways, as both readers
 * in the field look for it; FALSE when there is none.  Fails if there are
 * several. */
static gboolean
cls_of (GstAnalyticsRelationMeta *rmeta, guint od_id, GstAnalyticsClsMtd *cls)
{
  GstAnalyticsClsMtd other;
  gpointer state = NULL;
  GstAnalyticsRelTypes rel;

  if (!gst_analytics_relation_meta_get_direct_related (rmeta, od_id,
          GST_ANALYTICS_REL_TYPE_RELATE_TO, gst_analytics_cls_mtd_get_mtd_type (), &state,
          (GstAnalyticsMtd *) cls))
    return FALSE;
  fail_if (gst_analytics_relation_meta_get_direct_related (rmeta, od_id,
               GST_ANALYTICS_REL_TYPE_RELATE_TO, gst_analytics_cls_mtd_get_mtd_type (), &state,
               (GstAnalyticsMtd *) &other), "detection %u has two classifications", od_id);
  rel = gst_analytics_relation_meta_get_relation (rmeta, od_id, cls->id);
  fail_unless (rel & GST_ANALYTICS_REL_TYPE_CONTAIN, "detection %u -> cls: %x", od_id, rel);
  rel = gst_analytics_relation_meta_get_relation (rmeta, cls->id, od_id);
  fail_unless (rel & GST_ANALYTICS_REL_TYPE_IS_PART_OF, "cls -> detection %u: %x", od_id, rel);
  return TRUE;
}

/* Whole frames: a ClsMtd beside GstSwinClassifyMeta, with its top-k, on
 * every buffer carrying a result. */
GST_START_TEST (test_frame)
{
  GstHarness *h = make_harness (CAPS, "top-k", TOP_K, NULL);
  GstVideoInfo info = info_of (CAPS);

  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (CAPS, i, 40 + i));
    GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta (out);
    GstAnalyticsClsMtd cls;
    gpointer state = NULL;

    fail_unless (rmeta != NULL);
    fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), 1);
    fail_unless (gst_analytics_relation_meta_iterate (rmeta, &state,
                     gst_analytics_cls_mtd_get_mtd_type (), (GstAnalyticsMtd *) &cls));
    check_cls (&cls, model, out, &info, NULL);
    swin_test_check_result (gst_buffer_get_swin_result (out), model, out, &info);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

typedef struct {
  gint x, y, w, h;
  SwinRect expect;          /* clipped; width 0: skipped */
} Box;

/* Detections with hostile boxes: empty, negative, x + w overflowing,
 * outside, partly outside. */
static const Box hostile[] = {
  { 5, 7, 31, 23, { 5, 7, 31, 23 } },
  { -10, -5, 30, 20, { 0, 0, 20, 15 } },
  { 80, 60, 40, 40, { 80, 60, 17, 11 } },
  { G_MAXINT - 5, 3, G_MAXINT, 10, { 0, 0, 0, 0 } },
  { 50, 20, 0, 10, { 0, 0, 0, 0 } },
  { 50, 20, -8, 10, { 0, 0, 0, 0 } },
  { 200, 200, 10, 10, { 0, 0, 0, 0 } },
  { G_MININT, G_MININT, G_MAXINT, G_MAXINT, { 0, 0, 0, 0 } },
  { 1, 1, 1, 1, { 1, 1, 1, 1 } },
};

/* Regions from ODMtd alone (what upstream's tensor decoders emit): each
 * detection inside the frame classified on its clipped box, the others
 * skipped; the region message lists them. */
GST_START_TEST (test_detections)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "min-roi-size",
                                "1x1", NULL);
  GstVideoInfo info = info_of (CAPS);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 7), *out;
  GstAnalyticsRelationMeta *rmeta;
  guint ids[G_N_ELEMENTS (hostile)], classified = 0;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    ids[i] = add_od (in, "face", hostile[i].x, hostile[i].y, hostile[i].w, hostile[i].h);
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (rmeta != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++) {
    GstAnalyticsClsMtd cls;
    gboolean has = cls_of (rmeta, ids[i], &cls);

    if (hostile[i].expect.width == 0) {
      fail_if (has, "detection %u should have been skipped", i);
      continue;
    }
    fail_unless (has, "detection %u was not classified", i);
    check_cls (&cls, model, out, &info, &hostile[i].expect);
    classified++;
  }
  /* and a region meta each, with the region result, for readers of every
   * GStreamer */
  {
    GstVideoRegionOfInterestMeta *m;
    gpointer state = NULL;
    guint n = 0;

    while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const GstStructure *link = gst_video_region_of_interest_meta_get_param (m,
          GST_SWIN_DETECTION_PARAM);
      gint od_id;
      guint i;

      fail_unless (link && gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &od_id));
      fail_unless_equals_int (m->id, od_id);
      for (i = 0; i < G_N_ELEMENTS (hostile) && ids[i] != (guint) od_id; i++)
        ;
      fail_unless (i < G_N_ELEMENTS (hostile) && hostile[i].expect.width > 0);
      fail_unless (m->x == (guint) hostile[i].expect.x && m->y == (guint) hostile[i].expect.y &&
                   m->w == (guint) hostile[i].expect.width &&
                   m->h == (guint) hostile[i].expect.height);
      swin_test_check_region_result (gst_video_region_of_interest_meta_get_swin_result (m), model,
                                     out, &info, &hostile[i].expect, SWIN_SCALE_CENTER_CROP);
      n++;
    }
    fail_unless_equals_int (n, classified);
  }
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), classified);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_od_mtd_get_mtd_type ()),
                          G_N_ELEMENTS (hostile));
  fail_unless (gst_buffer_get_swin_result (out) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A 1.22-style detector's region metas: each gets an ODMtd of its type,
 * box and "detection" confidence, linked to it; the classified ones a
 * ClsMtd equal to the region meta's own result; the detector's ids stay. */
GST_START_TEST (test_region_metas)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "object-class",
                                "face", NULL);
  GstVideoInfo info = info_of (CAPS);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 8), *out;
  static const struct { const gchar *type; guint x, y, w, h; gdouble conf; } rois[] = {
    { "face", 3, 4, 40, 30, 0.75 }, { "car", 50, 30, 45, 40, -1 }, { "face", 20, 10, 60, 50, -1 },
  };
  GstAnalyticsRelationMeta *rmeta;
  GstVideoRegionOfInterestMeta *m;
  gpointer state = NULL;
  guint seen = 0;

  for (guint i = 0; i < G_N_ELEMENTS (rois); i++) {
    m = gst_buffer_add_video_region_of_interest_meta (in, rois[i].type, rois[i].x, rois[i].y,
                                                      rois[i].w, rois[i].h);
    m->id = 0;              /* facedetect's ids: all 0 */
    if (rois[i].conf >= 0)
      gst_video_region_of_interest_meta_add_param (m, gst_structure_new ("detection",
          "confidence", G_TYPE_DOUBLE, rois[i].conf, NULL));
  }
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (rmeta != NULL);
  while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    const GstStructure *link = gst_video_region_of_interest_meta_get_param (m,
                                                                            GST_SWIN_DETECTION_PARAM);
    const GstStructure *result = gst_video_region_of_interest_meta_get_swin_result (m);
    SwinRect rect = { (gint) m->x, (gint) m->y, (gint) m->w, (gint) m->h };
    GstAnalyticsODMtd od;
    GstAnalyticsClsMtd cls;
    gint od_id, x, y, w, hh;
    gfloat conf;

    fail_unless_equals_int (m->id, 0);
    fail_unless (link && gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &od_id));
    fail_unless (gst_analytics_relation_meta_get_od_mtd (rmeta, (guint) od_id, &od));
    fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &hh, &conf));
    fail_unless (x == (gint) m->x && y == (gint) m->y && w == (gint) m->w && hh == (gint) m->h);
    fail_unless_equals_string (g_quark_to_string (gst_analytics_od_mtd_get_obj_type (&od)),
                               g_quark_to_string (m->roi_type));
    fail_unless (conf == (rois[seen].conf >= 0 ? (gfloat) rois[seen].conf : 0.0f));
    if (m->roi_type == g_quark_from_string ("car")) {
      fail_if (cls_of (rmeta, (guint) od_id, &cls), "a car is not in object-class");
      fail_unless (result == NULL);
    } else {
      fail_unless (cls_of (rmeta, (guint) od_id, &cls));
      check_cls (&cls, model, out, &info, &rect);
      swin_test_check_region_result (result, model, out, &info, &rect, SWIN_SCALE_CENTER_CROP);
    }
    seen++;
  }
  fail_unless_equals_int (seen, G_N_ELEMENTS (rois));
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_od_mtd_get_mtd_type ()), 3);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), 2);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* DL Streamer's convention: a region meta whose id is a detection's, with
 * the same box, is that detection, classified once; a region meta whose id
 * names a detection with another box is another object. */
GST_START_TEST (test_both_kinds_once)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, NULL);
  GstVideoInfo info = info_of (CAPS);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 9), *out;
  guint same = add_od (in, "person", 10, 10, 30, 40);
  guint alone = add_od (in, "person", 60, 5, 30, 30);
  GstVideoRegionOfInterestMeta *m1, *m2;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  const GstStructure *link;
  gint od_id;
  SwinRect r_same = { 10, 10, 30, 40 }, r_alone = { 60, 5, 30, 30 }, r_other = { 40, 30, 20, 20 };

  m1 = gst_buffer_add_video_region_of_interest_meta (in, "person", 10, 10, 30, 40);
  m1->id = (gint) same;
  m2 = gst_buffer_add_video_region_of_interest_meta (in, "person", 40, 30, 20, 20);
  m2->id = (gint) alone;    /* the id of a detection elsewhere: not that object */
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  /* two detections given, one made for the second region meta */
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_od_mtd_get_mtd_type ()), 3);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), 3);
  fail_unless (cls_of (rmeta, same, &cls));
  check_cls (&cls, model, out, &info, &r_same);
  fail_unless (cls_of (rmeta, alone, &cls));
  check_cls (&cls, model, out, &info, &r_alone);
  m1 = gst_buffer_get_video_region_of_interest_meta_id (out, (gint) same);
  fail_unless (m1 && gst_video_region_of_interest_meta_get_param (m1, GST_SWIN_DETECTION_PARAM) ==
               NULL, "a region meta that is a detection gets no second one");
  swin_test_check_region_result (gst_video_region_of_interest_meta_get_swin_result (m1), model,
                                 out, &info, &r_same, SWIN_SCALE_CENTER_CROP);
  link = gst_video_region_of_interest_meta_get_param (m2, GST_SWIN_DETECTION_PARAM);
  fail_unless (link && gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &od_id));
  fail_if (od_id == (gint) same || od_id == (gint) alone);
  fail_unless (cls_of (rmeta, (guint) od_id, &cls));
  check_cls (&cls, model, out, &info, &r_other);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* object-class matches a detection's type without regard to case. */
GST_START_TEST (test_object_class)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "object-class",
                                "Car", NULL);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 10), *out;
  guint car = add_od (in, "CAR", 5, 5, 30, 30), dog = add_od (in, "dog", 40, 20, 30, 30);
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;

  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (cls_of (rmeta, car, &cls));
  fail_if (cls_of (rmeta, dog, &cls));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Another classifier's results already in the relation meta stay; a
 * relation meta with no detections passes untouched. */
GST_START_TEST (test_existing_meta)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, NULL);
  GstVideoInfo info = info_of (CAPS);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 11), *out;
  GstAnalyticsRelationMeta *rmeta = gst_buffer_add_analytics_relation_meta (in);
  GstAnalyticsClsMtd theirs, cls;
  GstAnalyticsODMtd od;
  SwinRect rect = { 20, 20, 40, 30 };

  fail_unless (gst_analytics_relation_meta_add_one_cls_mtd (rmeta, 0.9f,
                                                            g_quark_from_string ("theirs"), &theirs));
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless_equals_int (gst_analytics_relation_get_length (rmeta), 1);

  in = swin_test_make_frame (CAPS, 1, 12);
  rmeta = gst_buffer_add_analytics_relation_meta (in);
  fail_unless (gst_analytics_relation_meta_add_od_mtd (rmeta, g_quark_from_string ("cat"), 20,
                                                       20, 40, 30, 0.8f, &od));
  fail_unless (gst_analytics_relation_meta_add_one_cls_mtd (rmeta, 0.9f,
                                                            g_quark_from_string ("theirs"), &theirs));
  fail_unless (gst_analytics_relation_meta_set_relation (rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO,
                                                         od.id, theirs.id));
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), 2);
  fail_unless (gst_analytics_relation_meta_get_cls_mtd (rmeta, theirs.id, &theirs));
  fail_unless_equals_string (g_quark_to_string (gst_analytics_cls_mtd_get_quark (&theirs, 0)),
                             "theirs");
  fail_unless (gst_analytics_cls_mtd_get_level (&theirs, 0) == 0.9f);
  /* theirs and ours, both related to the detection */
  {
    gpointer state = NULL;
    guint related = 0;

    while (gst_analytics_relation_meta_get_direct_related (rmeta, od.id,
               GST_ANALYTICS_REL_TYPE_RELATE_TO, gst_analytics_cls_mtd_get_mtd_type (), &state,
               (GstAnalyticsMtd *) &cls)) {
      if (cls.id != theirs.id)
        check_cls (&cls, model, out, &info, &rect);
      related++;
    }
    fail_unless_equals_int (related, 2);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A cascade of two classifiers on a 1.22-style detector's region metas:
 * one detection per region for both, each with one ClsMtd of each model. */
GST_START_TEST (test_cascade)
{
  gchar *launch = swin_test_cascade_launch (model_path, "top-k=3", colour_path, "top-k=3 "
                                            "result-name=colour");
  GstHarness *h = gst_harness_new_parse (launch);
  GstVideoInfo info = info_of (CAPS);
  GstBuffer *in, *out;
  GstAnalyticsRelationMeta *rmeta;
  GstVideoRegionOfInterestMeta *m;
  gpointer state = NULL;

  g_free (launch);
  gst_harness_set_src_caps_str (h, CAPS);
  in = swin_test_make_frame (CAPS, 0, 13);
  gst_buffer_add_video_region_of_interest_meta (in, "car", 3, 4, 40, 30);
  gst_buffer_add_video_region_of_interest_meta (in, "car", 50, 30, 45, 40);
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_od_mtd_get_mtd_type ()), 2);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), 4);
  /* the first classifier tracks them; the second reads its tracks */
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_tracking_mtd_get_mtd_type ()), 2);
  while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    const GstStructure *link = gst_video_region_of_interest_meta_get_param (m,
                                                                            GST_SWIN_DETECTION_PARAM);
    SwinRect rect = { (gint) m->x, (gint) m->y, (gint) m->w, (gint) m->h };
    GstAnalyticsClsMtd cls;
    gpointer s = NULL;
    gint od_id;
    guint n = 0;

    fail_unless (link && gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &od_id));
    while (gst_analytics_relation_meta_get_direct_related (rmeta, (guint) od_id,
               GST_ANALYTICS_REL_TYPE_RELATE_TO, gst_analytics_cls_mtd_get_mtd_type (), &s,
               (GstAnalyticsMtd *) &cls))
      check_cls (&cls, n++ == 0 ? model : colour_model, out, &info, &rect);
    fail_unless_equals_int (n, 2);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Thousands of detections on one frame: every one classified, each ClsMtd
 * on its own detection (sampled against the core), then a caps change. */
GST_START_TEST (test_many_and_caps_change)
{
  const gchar *caps2 = "video/x-raw,format=BGRx,width=64,height=48,framerate=30/1";
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "batch-size", 64,
                                "min-roi-size", "1x1", NULL);
  GstVideoInfo info = info_of (CAPS), info2 = info_of (caps2);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 14), *out;
  GstAnalyticsRelationMeta *rmeta;
  enum { N = 2000 };
  guint *ids = g_new (guint, N);
  SwinRect last = { 30, 20, 17, 13 };

  for (guint i = 0; i < N; i++)
    ids[i] = add_od (in, "dot", (gint) (i % 90), (gint) (i / 90 % 64), 2 + (gint) (i % 5),
                     2 + (gint) (i % 7));
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless_equals_int (count_mtd (rmeta, gst_analytics_cls_mtd_get_mtd_type ()), N);
  for (guint i = 0; i < N; i++) {
    GstAnalyticsClsMtd cls;

    fail_unless (cls_of (rmeta, ids[i], &cls), "detection %u", i);
    if (i % 397 == 0) {
      SwinRect r = { (gint) (i % 90), (gint) (i / 90 % 64), 2 + (gint) (i % 5), 2 + (gint) (i % 7) };

      r.width = MIN (r.width, 97 - r.x);
      r.height = MIN (r.height, 71 - r.y);
      check_cls (&cls, model, out, &info, &r);
    }
  }
  gst_buffer_unref (out);
  g_free (ids);

  gst_harness_set_src_caps_str (h, caps2);
  in = swin_test_make_frame (caps2, 1, 15);
  {
    guint id = add_od (in, "dot", last.x, last.y, last.width, last.height);
    GstAnalyticsClsMtd cls;

    out = gst_harness_push_and_pull (h, in);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    fail_unless (cls_of (rmeta, id, &cls));
    check_cls (&cls, model, out, &info2, &last);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The JSON object of the only object of @buf, without its "id". */
static JsonObject *
only_object (GstBuffer *buf)
{
  GstSwinJsonContext ctx = { .width = 97, .height = 71 };
  gsize length;
  gchar *text = gst_swin_json_serialize (buf, &ctx, &length);
  JsonNode *root = json_from_string (text, NULL);
  JsonArray *objects;
  JsonObject *o;

  fail_unless (root != NULL, "%s", text);
  objects = json_object_get_array_member (json_node_get_object (root), "objects");
  fail_unless (objects && json_array_get_length (objects) == 1, "%s", text);
  o = json_object_ref (json_array_get_object_element (objects, 0));
  json_object_remove_member (o, "id");
  json_node_unref (root);
  g_free (text);
  return o;
}

/* swinpublish's JSON is the same whether the detector gave a detection or
 * a region meta. */
GST_START_TEST (test_json_either_kind)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, NULL);
  GstBuffer *with_od = swin_test_make_frame (CAPS, 0, 16), *with_roi = gst_buffer_copy (with_od);
  JsonObject *a, *b;
  JsonNode *na = json_node_new (JSON_NODE_OBJECT), *nb = json_node_new (JSON_NODE_OBJECT);

  add_od (with_od, "face", 12, 9, 40, 33);
  gst_buffer_add_video_region_of_interest_meta (with_roi, "face", 12, 9, 40, 33);
  with_od = gst_harness_push_and_pull (h, with_od);
  with_roi = gst_harness_push_and_pull (h, with_roi);
  a = only_object (with_od);
  b = only_object (with_roi);
  json_node_take_object (na, a);
  json_node_take_object (nb, b);
  fail_unless (json_node_equal (na, nb), "%s\n%s", json_to_string (na, FALSE),
               json_to_string (nb, FALSE));
  fail_unless (json_object_has_member (a, "classification"));
  json_node_unref (na);
  json_node_unref (nb);
  gst_buffer_unref (with_od);
  gst_buffer_unref (with_roi);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The one TrackingMtd related to detection @od_id (either way); FAILS
 * when there is none or several. */
static void
track_of (GstAnalyticsRelationMeta *rmeta, guint od_id, GstAnalyticsTrackingMtd *trk)
{
  GstAnalyticsTrackingMtd t;
  gpointer state = NULL;
  guint n = 0;

  while (gst_analytics_relation_meta_iterate (rmeta, &state,
             gst_analytics_tracking_mtd_get_mtd_type (), (GstAnalyticsMtd *) &t)) {
    if (gst_analytics_relation_meta_get_relation (rmeta, od_id, t.id) ==
            GST_ANALYTICS_REL_TYPE_NONE &&
        gst_analytics_relation_meta_get_relation (rmeta, t.id, od_id) ==
            GST_ANALYTICS_REL_TYPE_NONE)
      continue;
    *trk = t;
    n++;
  }
  fail_unless_equals_int (n, 1);
}

/* The region result of the region meta that is detection @od_id (linked by
 * swinclassify, or with its id: DL Streamer's convention). */
static const GstStructure *
result_of_od (GstBuffer *buf, gint od_id)
{
  GstVideoRegionOfInterestMeta *m;
  gpointer state = NULL;

  while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    const GstStructure *link = gst_video_region_of_interest_meta_get_param (m,
                                                                            GST_SWIN_DETECTION_PARAM);
    gint id = m->id;

    if (link)
      fail_unless (gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &id));
    if (id == od_id)
      return gst_video_region_of_interest_meta_get_swin_result (m);
  }
  fail_unless (FALSE, "no region meta for detection %d", od_id);
  return NULL;
}

/* reclassify-interval=3, no smoothing: a detection's ClsMtd on the two
 * frames after a computation is the top-k of that computation (the CPU
 * probabilities of the first frame, not of the frame it is on), as its
 * region result; its TrackingMtd, the element's, keeps the track id the
 * region result reports, first seen on the track's first frame. */
GST_START_TEST (test_tracked_carried)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "min-roi-size",
                                "1x1", "reclassify-interval", 3, NULL);
  GstVideoInfo info = info_of (CAPS);
  float *probs = NULL;
  guint64 id = 0;

  for (guint f = 0; f < 4; f++) {
    GstBuffer *in = swin_test_make_frame (CAPS, f, 60 + f), *out;
    SwinRect rect = { 20 + (gint) f, 10, 40, 45 };
    guint od_id = add_od (in, "face", rect.x, rect.y, rect.width, rect.height);
    GstAnalyticsRelationMeta *rmeta;
    GstAnalyticsTrackingMtd trk;
    GstAnalyticsClsMtd cls;
    const GstStructure *s;
    guint64 trk_id, result_id;
    GstClockTime first, last;
    gboolean lost;

    out = gst_harness_push_and_pull (h, in);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    if (f % 3 == 0) {
      g_free (probs);
      probs = swin_test_core_region_probs (model, out, &info, &rect, SWIN_SCALE_CENTER_CROP);
    }
    fail_unless (cls_of (rmeta, od_id, &cls), "frame %u: no classification", f);
    check_cls_probs (&cls, probs, CLASSES);
    s = result_of_od (out, (gint) od_id);
    fail_unless (s != NULL);
    fail_unless_equals_int (gst_swin_result_get_age (s), f % 3);
    for (guint i = 0; i < gst_analytics_cls_mtd_get_length (&cls); i++) {
      gdouble score;

      fail_unless (gst_swin_result_get_class (s, i, NULL, NULL, &score));
      fail_unless (fabs (score - gst_analytics_cls_mtd_get_level (&cls, i)) < 1e-6);
    }
    track_of (rmeta, od_id, &trk);
    fail_unless (gst_analytics_tracking_mtd_get_info (&trk, &trk_id, &first, &last, &lost));
    fail_unless (gst_swin_region_result_get_track_id (s, &result_id));
    fail_unless_equals_uint64 (trk_id, result_id);
    if (f == 0)
      id = trk_id;
    fail_unless_equals_uint64 (trk_id, id);
    fail_unless_equals_uint64 (first, 0);
    fail_unless_equals_uint64 (last, GST_BUFFER_PTS (out));
    fail_if (lost);
    fail_unless_equals_int (count_mtd (rmeta, gst_analytics_tracking_mtd_get_mtd_type ()), 1);
    gst_buffer_unref (out);
  }
  g_free (probs);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* One object of each kind of identity.  A: a region meta alone (the
 * element's detection and track); B: a detection alone (the element's
 * track); C: a detection an upstream tracker named (TrackingMtd 77, RELATE_TO
 * as ioutracker writes it); D: DL Streamer's region meta with object_id 5
 * and its detection (no TrackingMtd). */
typedef enum { OBJ_META, OBJ_OD, OBJ_TRACKED_OD, OBJ_DLSTREAMER, N_OBJ } ObjKind;

static guint
add_object (GstBuffer *buf, ObjKind kind, const SwinRect *r)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsTrackingMtd trk;
  GstVideoRegionOfInterestMeta *m;
  guint od_id;

  switch (kind) {
    case OBJ_META:
      m = gst_buffer_add_video_region_of_interest_meta (buf, "face", r->x, r->y, r->width,
                                                        r->height);
      m->id = 100;
      return G_MAXUINT;     /* its detection is the element's */
    case OBJ_OD:
      return add_od (buf, "face", r->x, r->y, r->width, r->height);
    case OBJ_TRACKED_OD:
      od_id = add_od (buf, "car", r->x, r->y, r->width, r->height);
      rmeta = gst_buffer_get_analytics_relation_meta (buf);
      fail_unless (gst_analytics_relation_meta_add_tracking_mtd (rmeta, 77, 0, &trk));
      fail_unless (gst_analytics_relation_meta_set_relation (rmeta,
                       GST_ANALYTICS_REL_TYPE_RELATE_TO, od_id, trk.id));
      return od_id;
    default:
      od_id = add_od (buf, "person", r->x, r->y, r->width, r->height);
      m = gst_buffer_add_video_region_of_interest_meta (buf, "person", r->x, r->y, r->width,
                                                        r->height);
      m->id = (gint) od_id;
      gst_video_region_of_interest_meta_add_param (m, gst_structure_new ("object_id", "id",
          G_TYPE_INT, 5, NULL));
      return od_id;
  }
}

/* The detection region meta 100 was given (GST_SWIN_DETECTION_PARAM). */
static guint
od_of_meta (GstBuffer *buf)
{
  GstVideoRegionOfInterestMeta *m = gst_buffer_get_video_region_of_interest_meta_id (buf, 100);
  const GstStructure *link;
  gint od_id = -1;

  fail_unless (m != NULL);
  link = gst_video_region_of_interest_meta_get_param (m, GST_SWIN_DETECTION_PARAM);
  fail_unless (link && gst_structure_get_int (link, GST_SWIN_FIELD_DETECTION_ID, &od_id));
  return (guint) od_id;
}

/* smoothing=mean over 3 results, reclassify-interval=2: on every frame each
 * object's ClsMtd is one class, the smoothed one: the class of the highest
 * mean of the CPU probabilities of the track's computed frames (0, 2, 4:
 * the last three of them), with that mean, as its region result's label;
 * each detection has one TrackingMtd, whose id is the region result's
 * track-id: 77 read from upstream (not duplicated), 5 from DL Streamer's
 * object_id, the element's own for A and B (distinct, stable). */
GST_START_TEST (test_tracked_smoothed)
{
  GstHarness *h = make_harness (CAPS, "inference-region", 1, "top-k", TOP_K, "min-roi-size",
                                "1x1", "reclassify-interval", 2, "smoothing", 2 /* mean */,
                                "smoothing-window", 3, NULL);
  GstVideoInfo info = info_of (CAPS);
  float *history[N_OBJ][8];
  guint n_history = 0;
  guint64 ids[N_OBJ];

  for (guint f = 0; f < 6; f++) {
    GstBuffer *in = swin_test_make_frame (CAPS, f, 80 + f), *out;
    SwinRect rects[N_OBJ] = { { 10 + (gint) f, 10, 40, 30 }, { 55, 30 + (gint) f, 30, 35 },
                              { 5, 45, 20, 20 }, { 60, 2, 30, 20 } };
    guint od[N_OBJ];
    GstAnalyticsRelationMeta *rmeta;

    for (ObjKind k = 0; k < N_OBJ; k++)
      od[k] = add_object (in, k, &rects[k]);
    out = gst_harness_push_and_pull (h, in);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    od[OBJ_META] = od_of_meta (out);
    if (f % 2 == 0) {
      for (ObjKind k = 0; k < N_OBJ; k++)
        history[k][n_history] = swin_test_core_region_probs (model, out, &info, &rects[k],
                                                             SWIN_SCALE_CENTER_CROP);
      n_history++;
    }
    fail_unless_equals_int (count_mtd (rmeta, gst_analytics_tracking_mtd_get_mtd_type ()), N_OBJ);
    for (ObjKind k = 0; k < N_OBJ; k++) {
      const GstStructure *s = result_of_od (out, (gint) od[k]);
      guint window = MIN (n_history, 3), first = n_history - window;
      GstAnalyticsTrackingMtd trk;
      GstAnalyticsClsMtd cls;
      gint want = -1, label_id, cls_id = -1;
      gdouble want_mean = -1, confidence;
      guint64 trk_id, result_id;
      const gchar *label;

      for (gint c = 0; c < CLASSES; c++) {
        gdouble mean = 0;

        for (guint i = first; i < n_history; i++)
          mean += history[k][i][c] / window;
        if (mean > want_mean) {
          want_mean = mean;
          want = c;
        }
      }
      fail_unless (s != NULL);
      fail_unless (gst_swin_region_result_get_best (s, &label, &label_id, &confidence));
      fail_unless_equals_int (label_id, want);
      fail_unless (fabs (confidence - want_mean) < 1e-4, "frame %u object %d: %g, expected %g", f,
                   k, confidence, want_mean);
      fail_unless (cls_of (rmeta, od[k], &cls), "frame %u object %d: no ClsMtd", f, k);
      fail_unless_equals_int (gst_analytics_cls_mtd_get_length (&cls), 1);
      fail_unless (sscanf (g_quark_to_string (gst_analytics_cls_mtd_get_quark (&cls, 0)),
                           "class %d", &cls_id) == 1);
      fail_unless_equals_int (cls_id, want);
      fail_unless_equals_string (g_quark_to_string (gst_analytics_cls_mtd_get_quark (&cls, 0)),
                                 label);
      fail_unless (fabs (gst_analytics_cls_mtd_get_level (&cls, 0) - want_mean) < 1e-4);

      track_of (rmeta, od[k], &trk);
      fail_unless (gst_analytics_tracking_mtd_get_info (&trk, &trk_id, NULL, NULL, NULL));
      fail_unless (gst_swin_region_result_get_track_id (s, &result_id));
      fail_unless_equals_uint64 (trk_id, result_id);
      if (f == 0)
        ids[k] = trk_id;
      fail_unless_equals_uint64 (trk_id, ids[k]);
    }
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (ids[OBJ_TRACKED_OD], 77);
  fail_unless_equals_uint64 (ids[OBJ_DLSTREAMER], 5);
  fail_if (ids[OBJ_META] == ids[OBJ_OD]);
  for (ObjKind k = 0; k < N_OBJ; k++)
    for (guint i = 0; i < n_history; i++)
      g_free (history[k][i]);
  gst_harness_teardown (h);
}
GST_END_TEST;

#ifdef HAVE_GST_TENSOR_META
/* The tensor of features structure @f in @tmeta (its "tensor-index"):
 * id GST_SWIN_FEATURES_TENSOR_ID, float32 [1, length], row-major, holding
 * exactly @f's values. */
static void
check_tensor (GstTensorMeta *tmeta, const GstStructure *f)
{
  guint index, n;
  const gfloat *values = gst_swin_features_get_values (f, &n);
  const GstTensor *t;
  GstMapInfo map;

  fail_unless (values != NULL);
  fail_unless (gst_structure_get_uint (f, GST_SWIN_FIELD_TENSOR_INDEX, &index));
  fail_unless (index < tmeta->num_tensors);
  t = gst_tensor_meta_get (tmeta, index);
  fail_unless (t->id == g_quark_from_string (GST_SWIN_FEATURES_TENSOR_ID));
  fail_unless_equals_int (t->data_type, GST_TENSOR_DATA_TYPE_FLOAT32);
  fail_unless_equals_int (t->dims_order, GST_TENSOR_DIM_ORDER_ROW_MAJOR);
  fail_unless_equals_int (t->num_dims, 2);
  fail_unless_equals_int (t->dims[0], 1);
  fail_unless_equals_int (t->dims[1], n);
  fail_unless (gst_buffer_map (t->data, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, n * sizeof (gfloat));
  fail_unless (memcmp (map.data, values, map.size) == 0);
  gst_buffer_unmap (t->data, &map);
}

/* features=true on 1.26: one GstTensor per image in the buffer's
 * GstTensorMeta, after an upstream element's tensor (kept), found by the
 * features meta's "tensor-index", holding the core's CPU pooled features;
 * a region's features name its detection (od-id). */
GST_START_TEST (test_tensors)
{
  GstVideoInfo info = info_of (CAPS);
  GQuark ours = g_quark_from_string (GST_SWIN_FEATURES_TENSOR_ID);

  /* the whole frame */
  {
    GstHarness *h = make_harness (CAPS, "features", TRUE, NULL);
    GstBuffer *in = swin_test_make_frame (CAPS, 0, 17), *out;
    GstTensor **upstream = g_new (GstTensor *, 1);
    gsize dims[1] = { 4 };
    GstTensorMeta *tmeta;
    const GstStructure *f;
    guint index;

    upstream[0] = gst_tensor_new_simple (g_quark_from_string ("upstream"),
        GST_TENSOR_DATA_TYPE_UINT8, gst_buffer_new_allocate (NULL, 4, NULL),
        GST_TENSOR_DIM_ORDER_ROW_MAJOR, 1, dims);
    gst_tensor_meta_set (gst_buffer_add_tensor_meta (in), 1, upstream);
    out = gst_harness_push_and_pull (h, in);
    tmeta = gst_buffer_get_tensor_meta (out);
    fail_unless (tmeta != NULL);
    fail_unless_equals_int (tmeta->num_tensors, 2);
    fail_unless (gst_tensor_meta_get (tmeta, 0)->id == g_quark_from_string ("upstream"));
    fail_unless_equals_int (gst_tensor_meta_get_index_from_id (tmeta, ours), 1);
    f = gst_buffer_get_swin_frame_features (out);
    fail_unless (f != NULL);
    fail_unless (gst_structure_get_uint (f, GST_SWIN_FIELD_TENSOR_INDEX, &index));
    fail_unless_equals_int (index, 1);
    check_tensor (tmeta, f);
    swin_test_check_features (f, model, out, &info, NULL, SWIN_SCALE_CENTER_CROP);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }

  /* regions: two detections and a region meta */
  {
    static const SwinRect rects[] = { { 4, 6, 40, 30 }, { 50, 20, 30, 45 }, { 10, 40, 35, 28 } };
    GstHarness *h = make_harness (CAPS, "inference-region", 1, "features", TRUE, NULL);
    GstBuffer *in = swin_test_make_frame (CAPS, 0, 18), *out;
    GstAnalyticsRelationMeta *rmeta;
    GstTensorMeta *tmeta;
    const GstStructure *f;
    gpointer state = NULL;
    guint n = 0, seen[G_N_ELEMENTS (rects)] = { 0 };

    for (guint i = 0; i < 2; i++)
      add_od (in, "face", rects[i].x, rects[i].y, rects[i].width, rects[i].height);
    gst_buffer_add_video_region_of_interest_meta (in, "face", rects[2].x, rects[2].y,
                                                  rects[2].width, rects[2].height);
    out = gst_harness_push_and_pull (h, in);
    tmeta = gst_buffer_get_tensor_meta (out);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    fail_unless (tmeta != NULL && rmeta != NULL);
    fail_unless_equals_int (tmeta->num_tensors, G_N_ELEMENTS (rects));
    while ((f = gst_buffer_iterate_swin_features (out, &state))) {
      GstAnalyticsODMtd od;
      gint od_id, x, y, w, hh;
      guint r;

      check_tensor (tmeta, f);
      fail_unless (gst_structure_get_int (f, GST_SWIN_FIELD_DETECTION_ID, &od_id));
      fail_unless (gst_analytics_relation_meta_get_od_mtd (rmeta, (guint) od_id, &od));
      fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &hh, NULL));
      for (r = 0; r < G_N_ELEMENTS (rects) && !(rects[r].x == x && rects[r].y == y &&
                                                 rects[r].width == w && rects[r].height == hh); r++)
        ;
      fail_unless (r < G_N_ELEMENTS (rects), "features of detection %d: not one of ours", od_id);
      seen[r]++;
      swin_test_check_features (f, model, out, &info, &rects[r], SWIN_SCALE_CENTER_CROP);
      n++;
    }
    fail_unless_equals_int (n, G_N_ELEMENTS (rects));
    for (guint r = 0; r < G_N_ELEMENTS (rects); r++)
      fail_unless_equals_int (seen[r], 1);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;
#endif

static Suite *
analytics_suite (void)
{
  Suite *s = suite_create ("swinclassify-analytics");
  TCase *tc = tcase_create ("analytics");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 13 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-analytics-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);
  ip.num_classes = 6;
  ip.seed = 29;
  colour_path = swin_test_write_model (tmpdir, "colour.safetensors", &ip);
  colour_model = swin_model_load (colour_path, &error);
  g_assert_no_error (error);

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frame);
  tcase_add_test (tc, test_detections);
  tcase_add_test (tc, test_region_metas);
  tcase_add_test (tc, test_both_kinds_once);
  tcase_add_test (tc, test_object_class);
  tcase_add_test (tc, test_existing_meta);
  tcase_add_test (tc, test_cascade);
  tcase_add_test (tc, test_many_and_caps_change);
  tcase_add_test (tc, test_json_either_kind);
  tcase_add_test (tc, test_tracked_carried);
  tcase_add_test (tc, test_tracked_smoothed);
#ifdef HAVE_GST_TENSOR_META
  tcase_add_test (tc, test_tensors);
#endif
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, analytics_suite, "swinclassify-analytics",
                                    __FILE__);

  swin_model_free (model);
  swin_model_free (colour_model);
  swin_test_remove_dir (tmpdir, model_path, colour_path, NULL);
  return failed;
}

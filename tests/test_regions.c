/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify inference-region=roi-list with GstHarness: regions of every
 * size and position (partly outside, 1x1, overlapping, empty, outside) and
 * type, in every format and scale mode; each classified region's result
 * equals the core's CPU preprocessing of the same region and CPU forward;
 * skipped regions get nothing; region counts around the batch size;
 * messages; object-class without regard to case; a cascade of two
 * classifiers keeping both results, and two writing one result-name; bad
 * settings. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <stdarg.h>
#include <string.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define CLASSES 10
#define IMG 56
/* the second model of a cascade: other classes, other weights */
#define COLOUR_CLASSES 6

static gchar *tmpdir;
static gchar *model_path;
static SwinModel *model;
static gchar *colour_path;
static SwinModel *colour_model;

typedef struct {
  const gchar *type;
  gint x, y, w, h;
  /* the region the element must classify (clipped); w = 0: skipped */
  SwinRect expect;
} Region;

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
make_harness (GstElement *e, const gchar *caps)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

static GstBuffer *
frame_with_regions (const gchar *caps, const Region *regions, guint n, guint32 seed)
{
  GstBuffer *buf = swin_test_make_frame (caps, 0, seed);

  for (guint i = 0; i < n; i++) {
    GstVideoRegionOfInterestMeta *m = gst_buffer_add_video_region_of_interest_meta (
        buf, regions[i].type, regions[i].x, regions[i].y, regions[i].w, regions[i].h);
    m->id = (gint) i + 100;
  }
  return buf;
}

/* Every region of @out: classified as the core classifies its expected
 * rectangle, its result naming frame @frame of the stream, or (expect.width
 * 0) left without a result. */
static void
check_regions (GstBuffer *out, const gchar *caps_str, const Region *regions, guint n,
               SwinScaleMode mode, guint64 frame)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstVideoInfo info;
  gpointer state = NULL;
  GstMeta *meta;
  guint seen = 0;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_if (gst_buffer_get_swin_result (out) != NULL, "roi-list must not attach a frame result");
  while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *m = (GstVideoRegionOfInterestMeta *) meta;
    const Region *r = &regions[m->id - 100];
    const GstStructure *s = gst_video_region_of_interest_meta_get_swin_result (m);

    seen++;
    if (r->expect.width == 0) {
      fail_unless (s == NULL, "region %d should have been skipped", m->id);
      continue;
    }
    fail_unless (s != NULL, "region %d was not classified", m->id);
    {
      const gchar *label, *model_name = gst_structure_get_string (s, "model_name");
      gint label_id, best;
      gdouble confidence, best_score;
      gchar *expect_label;
      guint64 result_frame;

      fail_unless_equals_string (model_name, "tiny");
      fail_unless (gst_structure_get_uint64 (s, "frame", &result_frame));
      fail_unless_equals_uint64 (result_frame, frame);
      fail_unless (gst_swin_region_result_get_best (s, &label, &label_id, &confidence));
      fail_unless (gst_swin_result_get_class (s, 0, &best, NULL, &best_score));
      fail_unless_equals_int (label_id, best);
      fail_unless (confidence == best_score);
      expect_label = g_strdup_printf ("class %d", label_id);
      fail_unless_equals_string (label, expect_label);
      g_free (expect_label);
      fail_unless_equals_int (gst_swin_result_get_n_classes (s), 3);
    }
    swin_test_check_region_result (s, model, out, &info, &r->expect, mode);
  }
  fail_unless_equals_int (seen, n);
}

static const gchar *format_caps[] = {
  "video/x-raw,format=RGB,width=97,height=71,framerate=30/1",
  "video/x-raw,format=BGR,width=97,height=71,framerate=30/1",
  "video/x-raw,format=RGBA,width=97,height=71,framerate=30/1",
  "video/x-raw,format=RGBx,width=97,height=71,framerate=30/1",
  "video/x-raw,format=BGRA,width=97,height=71,framerate=30/1",
  "video/x-raw,format=BGRx,width=97,height=71,framerate=30/1",
  "video/x-raw,format=I420,width=97,height=71,framerate=30/1,colorimetry=bt709",
  "video/x-raw,format=NV12,width=97,height=71,framerate=30/1",
};

/* Odd sizes and positions, partly outside, 1x1, overlapping, empty,
 * outside; object-class keeps faces and persons. */
static const Region mixed[] = {
  { "face", 5, 7, 31, 23, { 5, 7, 31, 23 } },
  { "car", 60, 40, 50, 50, { 0 } },                    /* not in object-class */
  { "face", 0, 0, 1, 1, { 0, 0, 1, 1 } },              /* 1x1 (min-roi-size 1x1 here) */
  { "person", 20, 10, 40, 40, { 20, 10, 40, 40 } },    /* overlaps the first */
  { "face", 90, 65, 20, 20, { 90, 65, 7, 6 } },        /* clipped to the frame */
  { "person", 120, 5, 10, 10, { 0 } },                 /* outside the frame */
  { "face", 10, 10, 0, 0, { 0 } },                     /* empty */
  { "person", 3, 50, 93, 21, { 3, 50, 93, 21 } },      /* touches the bottom edge */
};

GST_START_TEST (test_formats_and_modes)
{
  for (guint f = 0; f < G_N_ELEMENTS (format_caps); f++) {
    for (gint mode = 0; mode < 3; mode++) {
      GstHarness *h = make_harness (make_element ("object-class", "face, person",
                                                  "min-roi-size", "1x1", "scale-mode", mode, NULL),
                                    format_caps[f]);
      GstBuffer *in = frame_with_regions (format_caps[f], mixed, G_N_ELEMENTS (mixed), 10 * f + mode);
      GstBuffer *out = gst_harness_push_and_pull (h, in);

      fail_unless (out != NULL);
      check_regions (out, format_caps[f], mixed, G_N_ELEMENTS (mixed), (SwinScaleMode) mode, 0);
      gst_buffer_unref (out);
      gst_harness_teardown (h);
    }
  }
}
GST_END_TEST;

/* pre-process-backend=cpu: a batch of regions every one of which the CPU
 * preprocesses (the runner crashed on such a batch once). */
GST_START_TEST (test_cpu_backend)
{
  for (guint f = 0; f < G_N_ELEMENTS (format_caps); f += 6) {
    GstHarness *h = make_harness (make_element ("object-class", "face, person", "min-roi-size", "1x1",
                                                "pre-process-backend", 1 /* cpu */, NULL),
                                  format_caps[f]);
    GstBuffer *in = frame_with_regions (format_caps[f], mixed, G_N_ELEMENTS (mixed), 70 + f);
    GstBuffer *out = gst_harness_push_and_pull (h, in);

    fail_unless (out != NULL);
    check_regions (out, format_caps[f], mixed, G_N_ELEMENTS (mixed), SWIN_SCALE_CENTER_CROP, 0);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* 0, 1, batch-size and batch-size + 1 regions (the last over two
 * forwards); a frame without regions passes untouched and posts nothing. */
GST_START_TEST (test_counts)
{
  const gchar *caps = format_caps[0];
  GstElement *e = make_element ("batch-size", 3, NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  Region regions[4];

  gst_element_set_bus (e, bus);
  h = make_harness (e, caps);
  for (guint i = 0; i < 4; i++)
    regions[i] = (Region) { "object", 3 + 11 * i, 2 + 9 * i, 17 + i, 20 + 2 * i,
                            { 3 + 11 * i, 2 + 9 * i, 17 + i, 20 + 2 * i } };
  for (guint n = 0; n <= 4; n++) {
    GstBuffer *in = frame_with_regions (caps, regions, n, 40 + n), *out;
    GstMapInfo a, b;

    out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    check_regions (out, caps, regions, n, SWIN_SCALE_CENTER_CROP, n);
    gst_buffer_map (in, &a, GST_MAP_READ);
    gst_buffer_map (out, &b, GST_MAP_READ);
    fail_unless (a.size == b.size && memcmp (a.data, b.data, a.size) == 0, "pixels changed");
    gst_buffer_unmap (in, &a);
    gst_buffer_unmap (out, &b);
    if (n == 0)
      fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* The element message lists each classified region with its rectangle and
 * top-k, as on the meta. */
GST_START_TEST (test_message)
{
  const gchar *caps = format_caps[6];
  GstElement *e = make_element ("object-class", "face", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *out;
  GstMessage *msg;
  const GstStructure *ms;
  const GValue *list;
  static const Region regions[] = {
    { "face", 10, 12, 30, 24, { 10, 12, 30, 24 } },
    { "car", 50, 20, 30, 30, { 0 } },
    { "face", 40, 30, 57, 41, { 40, 30, 57, 41 } },
  };

  gst_element_set_bus (e, bus);
  h = make_harness (e, caps);
  out = gst_harness_push_and_pull (h, frame_with_regions (caps, regions, 3, 7));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  ms = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (ms, GST_SWIN_MESSAGE_NAME));
  fail_unless_equals_uint64 (gst_swin_result_get_frame (ms), 0);
  list = gst_structure_get_value (ms, GST_SWIN_FIELD_REGIONS);
  fail_unless (list && GST_VALUE_HOLDS_ARRAY (list));
  fail_unless_equals_int (gst_value_array_get_size (list), 2);
  for (guint i = 0; i < 2; i++) {
    const GstStructure *r = gst_value_get_structure (gst_value_array_get_value (list, i));
    const Region *want = &regions[2 * i];
    guint x, y, w, hh;
    gint id;
    GstVideoRegionOfInterestMeta *m = gst_buffer_get_video_region_of_interest_meta_id (out, 100 + 2 * i);
    const GstStructure *param = gst_video_region_of_interest_meta_get_swin_result (m);

    fail_unless (gst_structure_get_int (r, "id", &id) && id == 100 + 2 * (gint) i);
    fail_unless_equals_string (gst_structure_get_string (r, "roi-type"), "face");
    fail_unless (gst_structure_get_uint (r, "x", &x) && gst_structure_get_uint (r, "y", &y) &&
                 gst_structure_get_uint (r, "w", &w) && gst_structure_get_uint (r, "h", &hh));
    fail_unless (x == (guint) want->x && y == (guint) want->y && w == (guint) want->w &&
                 hh == (guint) want->h);
    fail_unless_equals_int (gst_swin_result_get_n_classes (r), gst_swin_result_get_n_classes (param));
    for (guint k = 0; k < gst_swin_result_get_n_classes (r); k++) {
      gint a, b;
      gdouble sa, sb;
      fail_unless (gst_swin_result_get_class (r, k, &a, NULL, &sa));
      fail_unless (gst_swin_result_get_class (param, k, &b, NULL, &sb));
      fail_unless (a == b && sa == sb);
    }
  }
  gst_message_unref (msg);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* inference-interval: frames in between classify nothing, their regions
 * carry their track's result of the frame before (age 1); a region below
 * min-roi-size is skipped. */
GST_START_TEST (test_interval_and_min_size)
{
  const gchar *caps = format_caps[0];
  GstHarness *h = make_harness (make_element ("inference-interval", 2, "min-roi-size", "20x20", NULL),
                                caps);
  static const Region regions[] = {
    { "a", 1, 1, 40, 30, { 1, 1, 40, 30 } },
    { "b", 50, 40, 19, 25, { 0 } },   /* 19 wide: below 20x20 */
  };
  GstStructure *previous = NULL;

  for (guint i = 0; i < 3; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_regions (caps, regions, 2, i));
    const GstStructure *s =
        gst_video_region_of_interest_meta_get_swin_result (gst_buffer_get_video_region_of_interest_meta_id (out, 100));

    fail_unless (s != NULL);
    fail_unless (gst_video_region_of_interest_meta_get_swin_result (
        gst_buffer_get_video_region_of_interest_meta_id (out, 101)) == NULL);
    fail_unless_equals_uint64 (gst_swin_result_get_frame (s), i);
    fail_unless_equals_int (gst_swin_result_get_age (s), i % 2);
    if (i % 2 == 0) {
      check_regions (out, caps, regions, 2, SWIN_SCALE_CENTER_CROP, i);
    } else {
      /* the same computation as on frame i - 1 */
      fail_unless (gst_value_compare (gst_structure_get_value (s, "scores"),
                                      gst_structure_get_value (previous, "scores")) == GST_VALUE_EQUAL);
      fail_unless (gst_value_compare (gst_structure_get_value (s, "class-ids"),
                                      gst_structure_get_value (previous, "class-ids")) == GST_VALUE_EQUAL);
    }
    g_clear_pointer (&previous, gst_structure_free);
    previous = gst_structure_copy (s);
    gst_buffer_unref (out);
  }
  gst_structure_free (previous);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* object-class matches region types without regard to case. */
GST_START_TEST (test_object_class_case)
{
  const gchar *caps = format_caps[0];
  GstHarness *h = make_harness (make_element ("object-class", "Face, PERSON", NULL), caps);
  static const Region regions[] = {
    { "face", 2, 3, 30, 25, { 2, 3, 30, 25 } },
    { "Person", 40, 20, 35, 40, { 40, 20, 35, 40 } },
    { "car", 10, 30, 40, 30, { 0 } },
    { "FACE", 60, 5, 30, 30, { 60, 5, 30, 30 } },
  };
  GstBuffer *out = gst_harness_push_and_pull (h, frame_with_regions (caps, regions, 4, 3));

  check_regions (out, caps, regions, 4, SWIN_SCALE_CENTER_CROP, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* "swinclassify model=tiny ! swinclassify model=colour result-name=NAME",
 * every region of type "car" (the first element) or any (the second), its
 * bus on @bus. */
static GstHarness *
make_cascade (const gchar *caps, const gchar *second_name, GstBus *bus)
{
  gchar *second = g_strdup_printf ("name=colour top-k=2 result-name=%s", second_name);
  gchar *launch = swin_test_cascade_launch (model_path, "name=type top-k=3 object-class=car",
                                                colour_path, second);
  GstHarness *h = gst_harness_new_parse (launch);

  g_free (second);
  g_free (launch);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

static const Region cascade_regions[] = {
  { "car", 3, 4, 40, 30, { 3, 4, 40, 30 } },
  { "car", 50, 30, 45, 40, { 50, 30, 45, 40 } },
  { "bus", 20, 10, 60, 50, { 20, 10, 60, 50 } },
};

/* A cascade: each region keeps the result of each classifier under its
 * element's result-name, equal to the core's for that model, and the
 * iterator sees both in the order they were attached. */
GST_START_TEST (test_cascade)
{
  const gchar *caps = format_caps[5];
  GstBus *bus = gst_bus_new ();
  GstHarness *h = make_cascade (caps, "colour", bus);
  GstCaps *c = gst_caps_from_string (caps);
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, c));
  gst_caps_unref (c);
  for (guint frame = 0; frame < 2; frame++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_regions (caps, cascade_regions, 3,
                                                                       20 + frame));
    GstVideoRegionOfInterestMeta *m;
    gpointer state = NULL;

    while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
                out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const Region *r = &cascade_regions[m->id - 100];
      const GstStructure *type = gst_video_region_of_interest_meta_get_swin_result (m);
      const GstStructure *colour =
          gst_video_region_of_interest_meta_get_swin_result_by_name (m, "colour");
      gpointer it = NULL;
      gboolean is_car = g_str_equal (r->type, "car");

      fail_unless (colour != NULL, "region %d: no \"colour\"", m->id);
      fail_unless_equals_string (gst_structure_get_string (colour, "model_name"), "colour");
      fail_unless_equals_int (gst_swin_result_get_n_classes (colour), 2);
      swin_test_check_region_result (colour, colour_model, out, &info, &r->expect,
                                         SWIN_SCALE_CENTER_CROP);
      if (is_car) {
        fail_unless (type != NULL, "region %d: no \"classification\"", m->id);
        fail_unless_equals_string (gst_structure_get_string (type, "model_name"), "tiny");
        fail_unless_equals_int (gst_swin_result_get_n_classes (type), 3);
        swin_test_check_region_result (type, model, out, &info, &r->expect,
                                           SWIN_SCALE_CENTER_CROP);
        fail_unless (gst_video_region_of_interest_meta_iterate_swin_results (m, &it) == type);
      } else {
        fail_unless (type == NULL, "region %d is not a car", m->id);
      }
      fail_unless (gst_video_region_of_interest_meta_iterate_swin_results (m, &it) == colour);
      fail_unless (gst_video_region_of_interest_meta_iterate_swin_results (m, &it) == NULL);
    }
    gst_buffer_unref (out);
  }
  fail_if (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) != NULL, "unexpected warning");
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* The features structure of region @m of @out from the element of
 * result-name @name, equal to the core's pooled features of @expect for
 * @m_model; the number of such structures on @out. */
static void
check_region_features (GstBuffer *out, GstVideoRegionOfInterestMeta *m, const gchar *name,
                       const SwinModel *m_model, const gchar *model_name, const SwinRect *expect,
                       const GstVideoInfo *info, guint64 frame)
{
  const GstStructure *f = gst_buffer_get_swin_region_features (out, m, name);
  guint64 got_frame;
  gint id;

  fail_unless (f != NULL, "region %d: no features from \"%s\"", m->id, name);
  fail_unless (gst_structure_get_int (f, GST_SWIN_FIELD_REGION_ID, &id));
  fail_unless_equals_int (id, m->id);
  fail_unless_equals_string (gst_structure_get_string (f, GST_SWIN_FIELD_MODEL), model_name);
  fail_unless (gst_structure_get_uint64 (f, GST_SWIN_FIELD_FRAME, &got_frame));
  fail_unless_equals_uint64 (got_frame, frame);
  fail_if (gst_structure_has_field (f, GST_SWIN_FIELD_AGE));
  swin_test_check_features (f, m_model, out, info, expect, SWIN_SCALE_CENTER_CROP);
}

static guint
count_features (GstBuffer *out)
{
  gpointer state = NULL;
  guint n = 0;

  while (gst_buffer_iterate_swin_features (out, &state))
    n++;
  return n;
}

/* features=true: each classified region (none of the skipped ones) gets
 * the core's CPU pooled features of the same rectangle, found by its id
 * and box (two regions share an id here, as a detector's often do); no
 * frame features.  In a cascade each element's features go with its
 * result-name and model. */
GST_START_TEST (test_features)
{
  static const guint formats[] = { 0, 6, 7 };
  Region regions[G_N_ELEMENTS (mixed) + 1];
  guint classified = 0;

  memcpy (regions, mixed, sizeof (mixed));
  /* the id of the first region (100), another box */
  regions[G_N_ELEMENTS (mixed)] = (Region) { "face", 40, 30, 25, 33, { 40, 30, 25, 33 } };
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++)
    classified += regions[i].expect.width > 0;

  for (guint k = 0; k < G_N_ELEMENTS (formats); k++) {
    const gchar *caps_str = format_caps[formats[k]];
    GstHarness *h = make_harness (make_element ("object-class", "face, person", "min-roi-size",
                                                "1x1", "features", TRUE, NULL), caps_str);
    GstBuffer *in = frame_with_regions (caps_str, regions, G_N_ELEMENTS (regions), 200 + k), *out;
    GstVideoRegionOfInterestMeta *m;
    GstCaps *caps = gst_caps_from_string (caps_str);
    GstVideoInfo info;
    gpointer state = NULL;
    guint i = 0;

    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    /* the last region shares the first one's id */
    for (GstMeta *meta; (meta = gst_buffer_iterate_meta_filtered (in, &state,
             GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)); i++)
      if (i == G_N_ELEMENTS (mixed))
        ((GstVideoRegionOfInterestMeta *) meta)->id = 100;
    out = gst_harness_push_and_pull (h, in);
    fail_unless (gst_buffer_get_swin_frame_features (out) == NULL);
    fail_unless_equals_int (count_features (out), classified);
    state = NULL;
    i = 0;
    while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
                out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const Region *r = &regions[i++];

      if (r->expect.width == 0)
        fail_unless (gst_buffer_get_swin_region_features (out, m, NULL) == NULL,
                     "skipped region %d has features", m->id);
      else
        check_region_features (out, m, GST_SWIN_REGION_PARAM, model, "tiny", &r->expect, &info, 0);
    }
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }

  /* a cascade, both elements with features */
  {
    const gchar *caps_str = format_caps[5];
    gchar *launch = swin_test_cascade_launch (model_path, "top-k=3 object-class=car features=true",
                                              colour_path,
                                              "top-k=2 result-name=colour features=true");
    GstHarness *h = gst_harness_new_parse (launch);
    GstCaps *caps = gst_caps_from_string (caps_str);
    GstVideoRegionOfInterestMeta *m;
    GstVideoInfo info;
    gpointer state = NULL;
    GstBuffer *out;

    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    gst_harness_set_src_caps_str (h, caps_str);
    out = gst_harness_push_and_pull (h, frame_with_regions (caps_str, cascade_regions, 3, 31));
    /* two cars by both, the bus by the second */
    fail_unless_equals_int (count_features (out), 5);
    while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
                out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const Region *r = &cascade_regions[m->id - 100];

      check_region_features (out, m, "colour", colour_model, "colour", &r->expect, &info, 0);
      if (g_str_equal (r->type, "car"))
        check_region_features (out, m, GST_SWIN_REGION_PARAM, model, "tiny", &r->expect, &info, 0);
      else
        fail_unless (gst_buffer_get_swin_region_features (out, m, GST_SWIN_REGION_PARAM) == NULL);
    }
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (launch);
  }
}
GST_END_TEST;

/* Two classifiers writing one result-name: one warning naming it, and each
 * region has one result of that name, the second element's. */
GST_START_TEST (test_cascade_same_name)
{
  const gchar *caps = format_caps[0];
  GstBus *bus = gst_bus_new ();
  GstHarness *h = make_cascade (caps, GST_SWIN_REGION_PARAM, bus);
  GstMessage *msg;
  GError *error = NULL;

  for (guint frame = 0; frame < 3; frame++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_regions (caps, cascade_regions, 3,
                                                                       frame));
    GstVideoRegionOfInterestMeta *m;
    gpointer state = NULL;

    while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
                out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const GstStructure *s = gst_video_region_of_interest_meta_get_swin_result (m);
      gpointer it = NULL;

      fail_unless (s != NULL);
      fail_unless_equals_string (gst_structure_get_string (s, "model_name"), "colour");
      fail_unless (gst_video_region_of_interest_meta_iterate_swin_results (m, &it) == s);
      fail_unless (gst_video_region_of_interest_meta_iterate_swin_results (m, &it) == NULL);
    }
    gst_buffer_unref (out);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning for two classifiers writing one result-name");
  fail_unless_equals_string (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), "colour");
  gst_message_parse_warning (msg, &error, NULL);
  fail_unless (strstr (error->message, "\"classification\"") != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  fail_if (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) != NULL, "warned more than once");
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}
GST_END_TEST;

/* result-name must be a structure name and not a region's own JSON key:
 * anything else is refused with a warning, the previous name kept. */
GST_START_TEST (test_result_name)
{
  static const gchar *bad[] = { "", "1st", "two words", "a,b", "x", "roi_type", "caf\xc3\xa9" };
  GstElement *e = make_element ("result-name", "vehicle-type/v1.2:+_", NULL);
  gchar *name;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    ASSERT_WARNING (g_object_set (e, "result-name", bad[i], NULL));
  ASSERT_WARNING (g_object_set (e, "result-name", NULL, NULL));
  g_object_get (e, "result-name", &name, NULL);
  fail_unless_equals_string (name, "vehicle-type/v1.2:+_");
  g_free (name);
  gst_object_unref (e);
}
GST_END_TEST;


GST_START_TEST (test_bad_settings)
{
  static const gchar *bad_sizes[] = { "16", "axb", "0x5", "-1x4", "16x16x16", "x", "" };

  swin_test_expect_start_error (make_element ("object-class", "face,,car", NULL), "item 2 is empty");
  swin_test_expect_start_error (make_element ("object-class", ",", NULL), "item 1 is empty");
  for (guint i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    swin_test_expect_start_error (make_element ("min-roi-size", bad_sizes[i], NULL), "min-roi-size");
  for (guint i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    if (*bad_sizes[i])     /* empty: no maximum */
      swin_test_expect_start_error (make_element ("max-roi-size", bad_sizes[i], NULL), "max-roi-size");
}
GST_END_TEST;

static Suite *
regions_suite (void)
{
  Suite *s = suite_create ("swinclassify-regions");
  TCase *tc = tcase_create ("regions");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 13 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-regions-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);
  ip.num_classes = COLOUR_CLASSES;
  ip.seed = 29;
  colour_path = swin_test_write_model (tmpdir, "colour.safetensors", &ip);
  colour_model = swin_model_load (colour_path, &error);
  g_assert_no_error (error);

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_and_modes);
  tcase_add_test (tc, test_cpu_backend);
  tcase_add_test (tc, test_counts);
  tcase_add_test (tc, test_message);
  tcase_add_test (tc, test_interval_and_min_size);
  tcase_add_test (tc, test_object_class_case);
  tcase_add_test (tc, test_cascade);
  tcase_add_test (tc, test_cascade_same_name);
  tcase_add_test (tc, test_features);
  tcase_add_test (tc, test_result_name);
  tcase_add_test (tc, test_bad_settings);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, regions_suite, "swinclassify-regions", __FILE__);

  swin_model_free (model);
  swin_model_free (colour_model);
  swin_test_remove_dir (tmpdir, model_path, colour_path, NULL);
  return failed;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The swinclassify element through GstHarness, on tiny generated models:
 * pixels untouched, metadata and messages, agreement with the core's CPU
 * path, every format, inference-interval, async mode, QoS, latency, caps
 * changes, errors and state cycles. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define IMG 56
#define CLASSES 10

static gchar *tmpdir;
static gchar *model_path;
static SwinModel *model;

static void
make_tiny_model (void)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 11 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-element-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);
}

static GstElement *
make_element (const gchar *first_property, ...)
{
  GstElement *e;
  va_list args;

  va_start (args, first_property);
  e = swin_test_new_element_valist (model_path, first_property, args);
  va_end (args);
  gst_object_ref_sink (e);
  return e;
}

static GstHarness *
make_harness (GstElement *e, const gchar *caps)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

static gboolean
buffers_equal (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean eq;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  eq = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}

/* Checks the structure's shape: n entries, scores descending, labels
 * consistent with the class ids, the model name. */
static guint
check_result (const GstStructure *s, guint expect_n)
{
  guint n = gst_swin_result_get_n_classes (s);
  gdouble prev = 2.0;

  fail_unless_equals_int (n, expect_n);
  for (guint i = 0; i < n; i++) {
    gint id;
    const gchar *label;
    gdouble score;
    gchar *expect;

    fail_unless (gst_swin_result_get_class (s, i, &id, &label, &score));
    fail_unless (id >= 0 && id < CLASSES);
    fail_unless (score > 0.0 && score <= 1.0);
    fail_unless (score <= prev, "scores not descending: %g after %g", score, prev);
    prev = score;
    expect = g_strdup_printf ("class %d", id);
    fail_unless_equals_string (label, expect);
    g_free (expect);
  }
  fail_if (gst_swin_result_get_class (s, n, NULL, NULL, NULL));
  fail_unless_equals_string (gst_swin_result_get_model (s), "tiny");
  return n;
}

/* The element's top-5 equals the core's top-5 on the same frame. */
static void
check_against_core (GstBuffer *out, const gchar *caps_str)
{
  const GstStructure *s = gst_buffer_get_swin_result (out);
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstVideoInfo info;

  fail_unless (s != NULL);
  check_result (s, 5);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  swin_test_check_result (s, model, out, &info);
}

static const gchar *format_caps[] = {
  "video/x-raw,format=RGB,width=70,height=50,framerate=30/1",
  "video/x-raw,format=BGR,width=70,height=50,framerate=30/1",
  "video/x-raw,format=RGBA,width=70,height=50,framerate=30/1",
  "video/x-raw,format=RGBx,width=70,height=50,framerate=30/1",
  "video/x-raw,format=BGRA,width=70,height=50,framerate=30/1",
  "video/x-raw,format=BGRx,width=70,height=50,framerate=30/1",
  "video/x-raw,format=I420,width=70,height=50,framerate=30/1,colorimetry=bt709",
  "video/x-raw,format=NV12,width=71,height=49,framerate=30/1",
};

/* Every format, both preprocessing backends: pixels untouched, meta on each
 * frame, results equal to the core's. */
static void
run_formats (gint backend)
{
  for (guint f = 0; f < G_N_ELEMENTS (format_caps); f++) {
    GstHarness *h = make_harness (make_element ("pre-process-backend", backend, NULL),
                                  format_caps[f]);

    for (guint i = 0; i < 2; i++) {
      GstBuffer *in = swin_test_make_frame (format_caps[f], i, 100 * f + i), *out;
      const GstStructure *s;

      out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
      fail_unless (out != NULL);
      fail_unless (buffers_equal (in, out), "pixels changed (%s)", format_caps[f]);
      s = gst_buffer_get_swin_result (out);
      fail_unless (s != NULL);
      fail_unless_equals_int (gst_swin_result_get_age (s), 0);
      check_against_core (out, format_caps[f]);
      gst_buffer_unref (in);
      gst_buffer_unref (out);
    }
    gst_harness_teardown (h);
  }
}

GST_START_TEST (test_formats_gpu)
{
  run_formats (0);
}
GST_END_TEST;

GST_START_TEST (test_formats_cpu)
{
  run_formats (1);
}
GST_END_TEST;

/* top-k and threshold shape the list; a message per inferred frame carries
 * the same fields and the frame's timestamps. */
GST_START_TEST (test_topk_threshold_messages)
{
  const gchar *caps = format_caps[0];
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_element ("top-k", 3, NULL);
  GstHarness *h;
  GstBuffer *out;
  GstMessage *msg;
  const GstStructure *s, *ms;
  guint64 ts;
  gdouble best;

  gst_element_set_bus (e, bus);
  h = make_harness (e, caps);
  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 4, 1));
  s = gst_buffer_get_swin_result (out);
  check_result (s, 3);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  ms = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (ms, GST_SWIN_MESSAGE_NAME));
  check_result (ms, 3);
  fail_unless (gst_structure_get_uint64 (ms, "timestamp", &ts));
  fail_unless_equals_uint64 (ts, gst_util_uint64_scale (4, GST_SECOND, 30));
  fail_unless (gst_structure_get_uint64 (ms, "running-time", &ts));
  fail_unless_equals_uint64 (ts, gst_util_uint64_scale (4, GST_SECOND, 30));
  fail_unless (gst_structure_get_uint64 (ms, "duration", &ts));
  fail_unless_equals_uint64 (ts, gst_util_uint64_scale (1, GST_SECOND, 30));
  for (guint i = 0; i < 3; i++) {
    gint a, b;
    gdouble sa, sb;

    gst_swin_result_get_class (s, i, &a, NULL, &sa);
    gst_swin_result_get_class (ms, i, &b, NULL, &sb);
    fail_unless_equals_int (a, b);
    fail_unless (sa == sb);
  }
  gst_message_unref (msg);

  /* A threshold between the best and the second score keeps one entry. */
  {
    gdouble second;

    gst_swin_result_get_class (s, 0, NULL, NULL, &best);
    gst_swin_result_get_class (s, 1, NULL, NULL, &second);
    fail_unless (best > second);
    g_object_set (h->element, "threshold", (best + second) / 2, "post-messages", FALSE, NULL);
  }
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 4, 1));
  check_result (gst_buffer_get_swin_result (out), 1);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  gst_buffer_unref (out);

  gst_harness_teardown (h);
  gst_object_unref (bus);
}
GST_END_TEST;

/* inference-interval=3: frames 0, 3, 6 inferred; the others carry the last
 * result with ages 1, 2; every frame comes out. */
GST_START_TEST (test_interval)
{
  const gchar *caps = format_caps[6];
  GstHarness *h = make_harness (make_element ("inference-interval", 3, NULL), caps);
  GstBuffer *first = NULL;
  guint64 inferred;

  for (guint i = 0; i < 8; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, i, 50 + i));
    const GstStructure *s = gst_buffer_get_swin_result (out);

    fail_unless (s != NULL);
    fail_unless_equals_int (gst_swin_result_get_age (s), i % 3);
    if (i % 3 == 0) {
      check_against_core (out, caps);
      gst_clear_buffer (&first);
      first = gst_buffer_ref (out);
    } else {
      /* The same result as its inferred frame. */
      const GstStructure *r = gst_buffer_get_swin_result (first);
      gint a, b;

      gst_swin_result_get_class (s, 0, &a, NULL, NULL);
      gst_swin_result_get_class (r, 0, &b, NULL, NULL);
      fail_unless_equals_int (a, b);
    }
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 8);
  g_object_get (h->element, "frames-inferred", &inferred, NULL);
  fail_unless_equals_uint64 (inferred, 3);
  gst_buffer_unref (first);
  gst_harness_teardown (h);
}
GST_END_TEST;

static void
wait_inferred (GstElement *e, guint64 n)
{
  guint64 inferred = 0;

  for (int i = 0; i < 3000; i++) {
    g_object_get (e, "frames-inferred", &inferred, NULL);
    if (inferred >= n)
      return;
    g_usleep (10000);
  }
  fail ("frames-inferred stuck at %" G_GUINT64_FORMAT, inferred);
}

/* async with interval 2: frames never wait; the odd frames, pushed once the
 * previous even frame is classified, carry its result with age 1; the
 * messages name the inferred frames. */
GST_START_TEST (test_async)
{
  const gchar *caps = format_caps[0];
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_element ("mode", 1, "inference-interval", 2, NULL);
  GstHarness *h;

  gst_element_set_bus (e, bus);
  h = make_harness (e, caps);
  for (guint i = 0; i < 8; i++) {
    GstBuffer *out;
    const GstStructure *s;

    if (i % 2 == 1)
      wait_inferred (h->element, i / 2 + 1);
    out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, i, 70 + i));
    fail_unless (out != NULL);
    s = gst_buffer_get_swin_result (out);
    if (i % 2 == 1) {
      fail_unless (s != NULL);
      fail_unless_equals_int (gst_swin_result_get_age (s), 1);
      check_result (s, 5);
    } else if (s) {
      /* The previous odd frame's result, or (if the worker was quicker
       * than this thread) this frame's own. */
      fail_unless (gst_swin_result_get_age (s) == 2 || gst_swin_result_get_age (s) == 0);
    } else {
      fail_unless (i == 0);
    }
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 8);
  wait_inferred (h->element, 4);

  for (guint i = 0; i < 4; i++) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    guint64 ts;

    fail_unless (msg != NULL);
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg), "timestamp", &ts));
    fail_unless_equals_uint64 (ts, gst_util_uint64_scale (2 * i, GST_SECOND, 30));
    gst_message_unref (msg);
  }
  gst_harness_teardown (h);
  gst_object_unref (bus);
}
GST_END_TEST;

/* The one features structure of @out (the whole frame's): computed on
 * frame @frame, @age frames before, by the tiny model. */
static const GstStructure *
frame_features_of (GstBuffer *out, guint64 frame, guint age)
{
  const GstStructure *f = gst_buffer_get_swin_frame_features (out);
  gpointer state = NULL;
  guint n = 0, got_age;
  guint64 got_frame;

  fail_unless (f != NULL);
  while (gst_buffer_iterate_swin_features (out, &state))
    n++;
  fail_unless_equals_int (n, 1);
  fail_unless_equals_string (gst_structure_get_string (f, GST_SWIN_FIELD_MODEL), "tiny");
  fail_unless (gst_structure_get_uint64 (f, GST_SWIN_FIELD_FRAME, &got_frame));
  fail_unless_equals_uint64 (got_frame, frame);
  fail_unless (gst_structure_get_uint (f, GST_SWIN_FIELD_AGE, &got_age));
  fail_unless_equals_int (got_age, age);
  return f;
}

/* features=true: every frame carries the pooled features of the frame its
 * result was computed on, equal to the core's CPU pooled features of that
 * frame, in sync mode (every format, with inference-interval=2: the frame
 * in between carries the previous frame's) and in async mode; without the
 * property, none. */
GST_START_TEST (test_features)
{
  for (guint f = 0; f < G_N_ELEMENTS (format_caps); f++) {
    GstHarness *h = make_harness (make_element ("features", TRUE, "inference-interval", 2, NULL),
                                  format_caps[f]);
    GstCaps *caps = gst_caps_from_string (format_caps[f]);
    GstBuffer *first = NULL;
    GstVideoInfo info;

    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    for (guint i = 0; i < 3; i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (format_caps[f], i,
                                                                           300 + 10 * f + i));
      const GstStructure *feat = frame_features_of (out, i - i % 2, i % 2);

      /* The features go with the frame's result. */
      fail_unless_equals_int (gst_swin_result_get_age (gst_buffer_get_swin_result (out)), i % 2);
      swin_test_check_features (feat, model, i % 2 ? first : out, &info, NULL,
                                SWIN_SCALE_CENTER_CROP);
      if (i % 2 == 0) {
        gst_clear_buffer (&first);
        first = out;
      } else {
        gst_buffer_unref (out);
      }
    }
    gst_buffer_unref (first);
    gst_harness_teardown (h);
  }

  /* async: the second frame, pushed once the first is classified, carries
   * the first frame's features */
  {
    const gchar *caps_str = format_caps[0];
    GstHarness *h = make_harness (make_element ("features", TRUE, "mode", 1, NULL), caps_str);
    GstCaps *caps = gst_caps_from_string (caps_str);
    GstBuffer *in = swin_test_make_frame (caps_str, 0, 91), *out;
    GstVideoInfo info;

    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    gst_buffer_unref (gst_harness_push_and_pull (h, gst_buffer_ref (in)));
    wait_inferred (h->element, 1);
    out = gst_harness_push_and_pull (h, swin_test_make_frame (caps_str, 1, 92));
    swin_test_check_features (frame_features_of (out, 0, 1), model, in, &info, NULL,
                              SWIN_SCALE_CENTER_CROP);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
    gst_harness_teardown (h);
  }

  /* the default: results, no features */
  {
    GstHarness *h = make_harness (make_element (NULL), format_caps[0]);
    GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (format_caps[0], 0, 5));
    gpointer state = NULL;

    fail_unless (gst_buffer_get_swin_result (out) != NULL);
    fail_unless (gst_buffer_iterate_swin_features (out, &state) == NULL);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* The latency query adds the measured inference time in sync mode only. */
GST_START_TEST (test_latency)
{
  const gchar *caps = format_caps[0];
  GstHarness *h = make_harness (make_element (NULL, NULL), caps);
  GstClockTime lat;
  gdouble ms;

  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  gst_buffer_unref (gst_harness_push_and_pull (h, swin_test_make_frame (caps, 0, 1)));
  lat = gst_harness_query_latency (h);
  g_object_get (h->element, "latency-ms", &ms, NULL);
  fail_unless (ms > 0.0);
  fail_unless_equals_uint64 (lat, 10 * GST_MSECOND + (GstClockTime) (ms * GST_MSECOND));
  gst_harness_teardown (h);

  h = make_harness (make_element ("mode", 1, NULL), caps);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_harness_query_latency (h), 10 * GST_MSECOND);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* qos=true: a frame the sink reported as late passes without inference;
 * later frames are classified again. */
GST_START_TEST (test_qos)
{
  const gchar *caps = format_caps[0];
  GstHarness *h = make_harness (make_element ("qos", TRUE, NULL), caps);
  GstBuffer *out;
  guint64 inferred;

  /* The sink rendered the frame at 1 s 500 ms late: earliest 1.5 s. */
  fail_unless (gst_harness_push_upstream_event (h, gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5,
      500 * GST_MSECOND, GST_SECOND)));
  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 30, 1));   /* 1.0 s: late */
  fail_unless (out != NULL);
  fail_unless (gst_buffer_get_swin_result (out) == NULL);
  gst_buffer_unref (out);
  g_object_get (h->element, "frames-inferred", &inferred, NULL);
  fail_unless_equals_uint64 (inferred, 0);

  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 60, 2));   /* 2.0 s: in time */
  fail_unless (gst_buffer_get_swin_result (out) != NULL);
  fail_unless_equals_int (gst_swin_result_get_age (gst_buffer_get_swin_result (out)), 0);
  gst_buffer_unref (out);
  g_object_get (h->element, "frames-inferred", &inferred, NULL);
  fail_unless_equals_uint64 (inferred, 1);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* New caps mid-stream: the next frames are classified in the new format. */
GST_START_TEST (test_caps_change)
{
  GstHarness *h = make_harness (make_element (NULL, NULL), format_caps[0]);
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, swin_test_make_frame (format_caps[0], 0, 1));
  check_against_core (out, format_caps[0]);
  gst_buffer_unref (out);
  gst_harness_set_src_caps_str (h, format_caps[7]);
  out = gst_harness_push_and_pull (h, swin_test_make_frame (format_caps[7], 1, 2));
  check_against_core (out, format_caps[7]);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;


GST_START_TEST (test_errors)
{
  gchar *missing = g_build_filename (tmpdir, "missing.safetensors", NULL);
  gchar *corrupt = g_build_filename (tmpdir, "corrupt.safetensors", NULL);
  gchar *labels = g_build_filename (tmpdir, "labels.txt", NULL);
  gchar *fifo = g_build_filename (tmpdir, "labels.fifo", NULL);
  gchar *big = g_build_filename (tmpdir, "big.txt", NULL);

  swin_test_expect_start_error (make_element ("model", NULL, NULL), "No model set");
  swin_test_expect_start_error (make_element ("model", missing, NULL), "Could not load model");
  fail_unless (g_file_set_contents (corrupt, "\x10\x00\x00\x00\x00\x00\x00\x00{not json}", 18, NULL));
  swin_test_expect_start_error (make_element ("model", corrupt, NULL), "Could not load model");
  fail_unless (g_file_set_contents (labels, "cat\ndog\nbird\n", -1, NULL));
  swin_test_expect_start_error (make_element ("labels", labels, NULL), "has 3 labels but the model has 10");
  swin_test_expect_start_error (make_element ("device", "no-such-vulkan-device", NULL),
                      "No usable Vulkan device");
  /* Label files that are not regular files fail at once: a FIFO used to
   * block the state change forever, /dev/zero to fill the memory. */
  fail_unless (mkfifo (fifo, 0600) == 0);
  swin_test_expect_start_error (make_element ("labels", fifo, NULL), "is not a regular file");
  swin_test_expect_start_error (make_element ("labels", "/dev/zero", NULL),
                      "/dev/zero is not a regular file");
  swin_test_expect_start_error (make_element ("labels", tmpdir, NULL), "is not a regular file");
  swin_test_expect_start_error (make_element ("labels", missing, NULL), "Could not read the label file");
  /* 16 MiB is the limit (a sparse file: nothing is read) */
  fail_unless (g_file_set_contents (big, "", 0, NULL));
  fail_unless (truncate (big, 16 * 1024 * 1024 + 1) == 0);
  swin_test_expect_start_error (make_element ("labels", big, NULL), "more than the 16777216 allowed");
  /* Latin-1 on line 3, a NUL byte on line 2: not UTF-8 */
  fail_unless (g_file_set_contents (labels, "cat\ndog\ncaf\xe9\n", -1, NULL));
  swin_test_expect_start_error (make_element ("labels", labels, NULL), "line 3: not valid UTF-8");
  fail_unless (g_file_set_contents (labels, "cat\nd\0g\nbird\n", 13, NULL));
  swin_test_expect_start_error (make_element ("labels", labels, NULL), "line 2: not valid UTF-8");

  g_unlink (corrupt);
  g_unlink (labels);
  g_unlink (fifo);
  g_unlink (big);
  g_free (missing);
  g_free (corrupt);
  g_free (labels);
  g_free (fifo);
  g_free (big);
}
GST_END_TEST;

/* The element's top classes and scores for one random RGB frame. */
static float *
element_probs_of (GstElement *e, GstBuffer **frame)
{
  const gchar *caps = format_caps[0];
  GstHarness *h = make_harness (e, caps);
  GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 0, 77));
  const GstStructure *s = gst_buffer_get_swin_result (out);
  float *probs = g_new0 (float, CLASSES);

  fail_unless (s != NULL);
  for (guint i = 0; i < gst_swin_result_get_n_classes (s); i++) {
    gint id;
    gdouble score;

    fail_unless (gst_swin_result_get_class (s, i, &id, NULL, &score));
    probs[id] = (float) score;
  }
  *frame = out;
  gst_harness_teardown (h);
  return probs;
}

/* Largest difference between the element's reported scores and @ref. */
static float
max_score_delta (const float *element, const float *ref)
{
  float d = 0.0f;

  for (int c = 0; c < CLASSES; c++)
    if (element[c] > 0.0f)
      d = MAX (d, fabsf (element[c] - ref[c]));
  return d;
}

/* The core's CPU probabilities for the limited-range Y'CbCr frame @buf
 * (@info) converted with @matrix; default scale mode and normalisation. */
static float *
core_probs_yuv (GstBuffer *buf, const GstVideoInfo *info, SwinColorMatrix matrix)
{
  float *input = g_new (float, 3 * IMG * IMG), *probs = g_new (float, CLASSES);
  SwinPreprocessParams p;
  GstVideoFrame vf;
  SwinFrame f = { .format = SWIN_PIXEL_FORMAT_I420 };
  GError *error = NULL;

  swin_preprocess_params_init (&p);
  p.matrix = matrix;
  p.full_range = FALSE;
  fail_unless (GST_VIDEO_INFO_FORMAT (info) == GST_VIDEO_FORMAT_I420);
  fail_unless (gst_video_frame_map (&vf, info, buf, GST_MAP_READ));
  f.width = GST_VIDEO_FRAME_WIDTH (&vf);
  f.height = GST_VIDEO_FRAME_HEIGHT (&vf);
  for (guint i = 0; i < 3; i++) {
    f.data[i] = GST_VIDEO_FRAME_PLANE_DATA (&vf, i);
    f.stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, i);
  }
  fail_unless (swin_cpu_preprocess (&f, &p, IMG, IMG, input, &error), "%s",
               error ? error->message : "");
  gst_video_frame_unmap (&vf);
  fail_unless (swin_cpu_forward (model, input, 1, IMG, IMG, probs, &error), "%s",
               error ? error->message : "");
  swin_softmax (probs, CLASSES);
  g_free (input);
  return probs;
}

/* A checkpoint's __metadata__ mean/std are the element's defaults; the
 * properties override them. */
GST_START_TEST (test_model_normalization)
{
  static const float mean[3] = { 0.9f, 0.1f, 0.5f }, std[3] = { 0.05f, 0.6f, 0.3f };
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 11,
                        .mean = mean, .std = std };
  gchar *norm_path = swin_test_write_model (tmpdir, "norm.safetensors", &ip);
  SwinModel *norm_model = swin_model_load (norm_path, NULL);
  GstVideoInfo info;
  GstCaps *caps = gst_caps_from_string (format_caps[0]);
  GstBuffer *frame;
  GstElement *e;
  float *probs, *with_meta, *imagenet;
  SwinPreprocessParams defaults;
  gchar *mean_str, *std_str;

  fail_unless (norm_model != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);

  /* Same weights: the two normalisations must give clearly different
   * scores, or the checks below could not tell them apart. */
  e = gst_element_factory_make ("swinclassify", NULL);
  g_object_set (e, "model", norm_path, "device", g_getenv ("SWIN_TEST_DEVICE"), "top-k", CLASSES,
                NULL);
  probs = element_probs_of (gst_object_ref_sink (e), &frame);
  with_meta = swin_test_core_probs (norm_model, frame, &info, SWIN_SCALE_CENTER_CROP);
  imagenet = swin_test_core_probs (model, frame, &info, SWIN_SCALE_CENTER_CROP);
  gst_buffer_unref (frame);
  fail_unless (max_score_delta (with_meta, imagenet) > 1e-3f);
  fail_unless (max_score_delta (probs, with_meta) < 1e-4f, "metadata normalisation not applied");
  g_free (probs);

  /* The properties win over the metadata ... (the core's defaults, written
   * out as on a launch line) */
  swin_preprocess_params_init (&defaults);
  mean_str = g_strdup_printf ("<%.9g, %.9g, %.9g>", defaults.mean[0], defaults.mean[1],
                              defaults.mean[2]);
  std_str = g_strdup_printf ("<%.9g, %.9g, %.9g>", defaults.std[0], defaults.std[1],
                             defaults.std[2]);
  e = gst_element_factory_make ("swinclassify", NULL);
  g_object_set (e, "model", norm_path, "device", g_getenv ("SWIN_TEST_DEVICE"), "top-k", CLASSES,
                NULL);
  gst_util_set_object_arg (G_OBJECT (e), "mean", mean_str);
  gst_util_set_object_arg (G_OBJECT (e), "std", std_str);
  g_free (mean_str);
  g_free (std_str);
  probs = element_probs_of (gst_object_ref_sink (e), &frame);
  gst_buffer_unref (frame);
  fail_unless (max_score_delta (probs, imagenet) < 1e-4f, "mean/std properties not applied");
  g_free (probs);

  /* ... and give a model without metadata the same input. */
  e = make_element ("top-k", CLASSES, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "mean", "<0.9, 0.1, 0.5>");
  gst_util_set_object_arg (G_OBJECT (e), "std", "<0.05, 0.6, 0.3>");
  probs = element_probs_of (e, &frame);
  gst_buffer_unref (frame);
  fail_unless (max_score_delta (probs, with_meta) < 1e-4f);
  g_free (probs);

  g_free (with_meta);
  g_free (imagenet);
  swin_model_free (norm_model);
  g_unlink (norm_path);
  g_free (norm_path);
}
GST_END_TEST;

/* The channel of @name's GstValueArray property, or NAN without one. */
static gdouble
channel_of (GstElement *e, const gchar *name, guint i)
{
  GValue v = G_VALUE_INIT;
  gdouble d = NAN;

  g_value_init (&v, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (e), name, &v);
  if (i < gst_value_array_get_size (&v))
    d = g_value_get_double (gst_value_array_get_value (&v, i));
  g_value_unset (&v);
  return d;
}

/* mean and std are checked where they are set: a bad value is refused
 * (logged) and the previous one kept; an empty array unsets. */
GST_START_TEST (test_normalization_properties)
{
  GstElement *e = gst_element_factory_make ("swinclassify", NULL);

  fail_unless (isnan (channel_of (e, "mean", 0)));
  gst_util_set_object_arg (G_OBJECT (e), "mean", "<0.25, 0.5, 0.75>");
  fail_unless (channel_of (e, "mean", 2) == 0.75);
  /* two numbers; finite as a double, not as a float (NaN GObject itself
   * refuses, with a critical warning) */
  gst_util_set_object_arg (G_OBJECT (e), "mean", "<0.5, 0.5>");
  gst_util_set_object_arg (G_OBJECT (e), "mean", "<1e39, 0, 0>");
  fail_unless (channel_of (e, "mean", 0) == 0.25 && channel_of (e, "mean", 2) == 0.75);
  /* so small that every activation saturates; negative */
  gst_util_set_object_arg (G_OBJECT (e), "std", "<0.2, 0.3, 0.4>");
  gst_util_set_object_arg (G_OBJECT (e), "std", "<0.2, 1e-9, 0.2>");
  gst_util_set_object_arg (G_OBJECT (e), "std", "<0.2, -1, 0.2>");
  fail_unless ((gfloat) channel_of (e, "std", 1) == 0.3f);
  gst_util_set_object_arg (G_OBJECT (e), "mean", "<>");
  fail_unless (isnan (channel_of (e, "mean", 0)));
  gst_object_unref (e);
}
GST_END_TEST;

/* A label file with the right number of lines names the classes. */
GST_START_TEST (test_label_file)
{
  const gchar *caps = format_caps[0];
  gchar *labels = g_build_filename (tmpdir, "ten.txt", NULL);
  GString *text = g_string_new (NULL);
  GstHarness *h;
  GstBuffer *out;
  const GstStructure *s;

  for (int i = 0; i < CLASSES; i++)
    g_string_append_printf (text, "animal %c\r\n", 'a' + i);
  fail_unless (g_file_set_contents (labels, text->str, -1, NULL));
  h = make_harness (make_element ("labels", labels, NULL), caps);
  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 0, 3));
  s = gst_buffer_get_swin_result (out);
  for (guint i = 0; i < 5; i++) {
    gint id;
    const gchar *label;
    gchar *expect;

    fail_unless (gst_swin_result_get_class (s, i, &id, &label, NULL));
    expect = g_strdup_printf ("animal %c", 'a' + id);
    fail_unless_equals_string (label, expect);
    g_free (expect);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_unlink (labels);
  g_free (labels);
  g_string_free (text, TRUE);
}
GST_END_TEST;

/* A label file saved with a byte-order mark and non-ASCII names: the mark
 * is not part of label 0, the names arrive as written. */
GST_START_TEST (test_label_file_utf8)
{
  const gchar *caps = format_caps[0];
  static const gchar *names[CLASSES] = {
    "chat", "café", "Straße", "ёж", "鳥", "ĳsvogel", "señal", "ørn", "żubr", "ψάρι",
  };
  gchar *labels = g_build_filename (tmpdir, "bom.txt", NULL);
  GString *text = g_string_new ("\xef\xbb\xbf");
  GstHarness *h;
  GstBuffer *out;
  const GstStructure *s;

  for (int i = 0; i < CLASSES; i++)
    g_string_append_printf (text, "%s\n", names[i]);
  fail_unless (g_file_set_contents (labels, text->str, -1, NULL));
  h = make_harness (make_element ("labels", labels, "top-k", CLASSES, NULL), caps);
  out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 0, 3));
  s = gst_buffer_get_swin_result (out);
  fail_unless_equals_int (gst_swin_result_get_n_classes (s), CLASSES);
  for (guint i = 0; i < CLASSES; i++) {
    gint id;
    const gchar *label;

    fail_unless (gst_swin_result_get_class (s, i, &id, &label, NULL));
    fail_unless_equals_string (label, names[id]);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_unlink (labels);
  g_free (labels);
  g_string_free (text, TRUE);
}
GST_END_TEST;

/* A BT.2020 I420 frame is classified as the core's CPU pipeline does with
 * the BT.2020 coefficients, given here explicitly (not through the
 * element's caps mapping, which the helpers share), and clearly unlike
 * with BT.601's. */
GST_START_TEST (test_bt2020)
{
  const gchar *caps_str = "video/x-raw,format=I420,width=70,height=50,framerate=30/1,"
                          "colorimetry=bt2020";
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstHarness *h = make_harness (make_element ("top-k", CLASSES, NULL), caps_str);
  GstBuffer *in = swin_test_make_frame (caps_str, 0, 21), *out;
  float *probs = g_new0 (float, CLASSES), *bt2020, *bt601;
  const GstStructure *s;
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (info.colorimetry.matrix, GST_VIDEO_COLOR_MATRIX_BT2020);
  out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
  s = gst_buffer_get_swin_result (out);
  fail_unless (s != NULL);
  for (guint i = 0; i < gst_swin_result_get_n_classes (s); i++) {
    gint id;
    gdouble score;

    fail_unless (gst_swin_result_get_class (s, i, &id, NULL, &score));
    probs[id] = (float) score;
  }
  bt2020 = core_probs_yuv (in, &info, SWIN_COLOR_MATRIX_BT2020);
  bt601 = core_probs_yuv (in, &info, SWIN_COLOR_MATRIX_BT601);
  /* The two conversions differ by ~3e-4 in score on this model; the
   * element and the CPU pipeline agree to ~1e-8. */
  fail_unless (max_score_delta (bt2020, bt601) > 1e-4f, "BT.2020 and BT.601 indistinguishable");
  fail_unless (max_score_delta (probs, bt2020) < 1e-5f, "not classified with BT.2020 colours: %g",
               max_score_delta (probs, bt2020));
  g_free (probs);
  g_free (bt2020);
  g_free (bt601);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  gst_caps_unref (caps);
}
GST_END_TEST;

/* 50 NULL <-> PLAYING cycles, a frame classified in each (sync and async
 * alternately), without failures. */
GST_START_TEST (test_state_cycles)
{
  const gchar *caps = format_caps[6];
  GstHarness *h = make_harness (make_element (NULL, NULL), caps);

  for (guint i = 0; i < 50; i++) {
    GstBuffer *out;

    fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_NULL),
                            GST_STATE_CHANGE_SUCCESS);
    g_object_set (h->element, "mode", i % 2, NULL);
    fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_PLAYING),
                            GST_STATE_CHANGE_SUCCESS);
    gst_harness_push_event (h, gst_event_new_stream_start ("cycle"));
    gst_harness_set_src_caps_str (h, caps);
    out = gst_harness_push_and_pull (h, swin_test_make_frame (caps, 0, i));
    fail_unless (out != NULL);
    if (i % 2 == 0)
      check_result (gst_buffer_get_swin_result (out), 5);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
swinclassify_suite (void)
{
  Suite *s = suite_create ("swinclassify");
  TCase *tc = tcase_create ("element");

  make_tiny_model ();
  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_gpu);
  tcase_add_test (tc, test_formats_cpu);
  tcase_add_test (tc, test_topk_threshold_messages);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_async);
  tcase_add_test (tc, test_features);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_qos);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_model_normalization);
  tcase_add_test (tc, test_normalization_properties);
  tcase_add_test (tc, test_label_file);
  tcase_add_test (tc, test_label_file_utf8);
  tcase_add_test (tc, test_bt2020);
  tcase_add_test (tc, test_state_cycles);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, swinclassify_suite, "swinclassify", __FILE__);

  swin_model_free (model);
  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Many streams, one model: pipelines in one process whose swinclassify
 * elements share a model instance (model-instance-id).  Every result of
 * every stream, whole frames and regions, equals the core's CPU answer for
 * that very frame; the weights are uploaded once; a stream blocked
 * downstream, stopped and restarted, or ending early never holds up the
 * others; mismatched settings are refused naming both elements. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"
#include <unistd.h>

#define FRAMES 6

static gchar *tmpdir;
static gchar *model_path, *other_model_path;
static SwinModel *model;

/* Counts the core's "weights:" reports: one per upload of a model. */
static gint uploads;

static void
count_uploads (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
               const gchar *function, gint line, GObject *object, GstDebugMessage *message,
               gpointer data)
{
  if (g_strcmp0 (gst_debug_category_get_name (category), "swincore") == 0 &&
      g_str_has_prefix (gst_debug_message_get (message), "weights:"))
    g_atomic_int_inc (&uploads);
}

typedef struct {
  gchar *caps;
  gboolean regions;
  GstElement *pipeline;
  GMutex lock;
  GPtrArray *buffers;        /* what reached the appsink */
} Stream;

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  Stream *st = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  g_mutex_lock (&st->lock);
  g_ptr_array_add (st->buffers, gst_buffer_ref (gst_sample_get_buffer (sample)));
  g_mutex_unlock (&st->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* The regions every frame of a region stream carries (inside any size used). */
static const SwinRect tagged[] = { { 4, 6, 40, 30 }, { 30, 20, 33, 41 } };

static GstPadProbeReturn
add_regions (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  for (guint i = 0; i < G_N_ELEMENTS (tagged); i++) {
    GstVideoRegionOfInterestMeta *m = gst_buffer_add_video_region_of_interest_meta (
        buf, "object", tagged[i].x, tagged[i].y, tagged[i].width, tagged[i].height);
    m->id = (gint) i;
  }
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

static void
stream_init (Stream *st, gint index, const gchar *format, gint width, gint height,
             gboolean regions, gint frames, const gchar *extra)
{
  GstAppSinkCallbacks callbacks = { .new_sample = on_sample };
  gchar *desc;
  GError *error = NULL;
  GstElement *tag, *sink;
  GstPad *pad;

  st->caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d", format, width, height);
  st->regions = regions;
  st->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  g_mutex_init (&st->lock);
  desc = g_strdup_printf ("videotestsrc pattern=%d num-buffers=%d %s ! %s ! identity name=tag ! "
                          "swinclassify name=classify model=%s device=%s model-instance-id=shared "
                          "batch-size=4 batch-timeout=3000000 top-k=3 inference-region=%s ! "
                          "appsink name=out sync=false", index % 20, frames, extra ? extra : "",
                          st->caps, model_path, g_getenv ("SWIN_TEST_DEVICE"),
                          regions ? "roi-list" : "full-frame");
  st->pipeline = gst_parse_launch (desc, &error);
  fail_unless (st->pipeline != NULL, "%s", error ? error->message : "");
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (st->pipeline), "out");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, st, NULL);
  gst_object_unref (sink);
  if (regions) {
    tag = gst_bin_get_by_name (GST_BIN (st->pipeline), "tag");
    pad = gst_element_get_static_pad (tag, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, add_regions, NULL, NULL);
    gst_object_unref (pad);
    gst_object_unref (tag);
  }
}

static void
stream_clear (Stream *st)
{
  gst_element_set_state (st->pipeline, GST_STATE_NULL);
  gst_object_unref (st->pipeline);
  g_ptr_array_unref (st->buffers);
  g_mutex_clear (&st->lock);
  g_free (st->caps);
}

static gboolean
stream_wait_eos (Stream *st, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (st->pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, timeout, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean eos = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;

  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;
    gst_message_parse_error (msg, &error, NULL);
    fail ("%s", error->message);
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  return eos;
}

/* Every buffer of @st against the core's answer for that very frame. */
static void
stream_check (Stream *st, guint expect_frames)
{
  GstCaps *caps = gst_caps_from_string (st->caps);
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (st->buffers->len, expect_frames);
  for (guint i = 0; i < st->buffers->len; i++) {
    GstBuffer *buf = g_ptr_array_index (st->buffers, i);

    if (!st->regions) {
      const GstStructure *s = gst_buffer_get_swin_result (buf);
      fail_unless (s != NULL && gst_swin_result_get_age (s) == 0);
      fail_unless_equals_uint64 (gst_swin_result_get_frame (s), i);
      swin_test_check_result (s, model, buf, &info);
      continue;
    }
    for (guint r = 0; r < G_N_ELEMENTS (tagged); r++) {
      GstVideoRegionOfInterestMeta *m = gst_buffer_get_video_region_of_interest_meta_id (buf, r);
      const GstStructure *s = gst_video_region_of_interest_meta_get_swin_result (m);

      fail_unless (s != NULL, "frame %u region %u not classified", i, r);
      swin_test_check_region_result (s, model, buf, &info, &tagged[r], SWIN_SCALE_CENTER_CROP);
    }
  }
}

/* Six streams of different formats, sizes and patterns, two of them with
 * regions, share one instance: one upload, every result right. */
GST_START_TEST (test_six_streams)
{
  static const struct { const gchar *format; gint w, h; gboolean regions; } spec[] = {
    { "I420", 160, 120, FALSE }, { "RGB", 97, 71, TRUE }, { "NV12", 64, 64, FALSE },
    { "BGRx", 120, 90, FALSE }, { "RGBA", 80, 100, TRUE }, { "I420", 200, 150, FALSE },
  };
  Stream st[G_N_ELEMENTS (spec)];

  g_atomic_int_set (&uploads, 0);
  for (guint i = 0; i < G_N_ELEMENTS (spec); i++)
    stream_init (&st[i], i, spec[i].format, spec[i].w, spec[i].h, spec[i].regions, FRAMES, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (spec); i++)
    fail_unless (gst_element_set_state (st[i].pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < G_N_ELEMENTS (spec); i++)
    fail_unless (stream_wait_eos (&st[i], 120 * GST_SECOND), "stream %u: no EOS", i);
  fail_unless_equals_int (g_atomic_int_get (&uploads), 1);
  for (guint i = 0; i < G_N_ELEMENTS (spec); i++) {
    stream_check (&st[i], FRAMES);
    stream_clear (&st[i]);
  }
}
GST_END_TEST;

static GstPadProbeReturn
block (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  return GST_PAD_PROBE_OK;
}

/* A stream blocked downstream holds up none of the others; a stream
 * stopped and restarted while the others play carries on; a stream ending
 * early ends alone. */
GST_START_TEST (test_stall_restart_eos)
{
  Stream blocked, restarted, short_one, steady;
  GstElement *classify;
  GstPad *pad;
  gulong probe;

  stream_init (&blocked, 0, "RGB", 64, 48, FALSE, FRAMES, NULL);
  stream_init (&restarted, 1, "I420", 96, 72, TRUE, 40, "is-live=true");
  stream_init (&short_one, 2, "NV12", 80, 60, FALSE, 2, NULL);
  stream_init (&steady, 3, "BGRx", 100, 50, FALSE, 30, "is-live=true");

  classify = gst_bin_get_by_name (GST_BIN (blocked.pipeline), "classify");
  pad = gst_element_get_static_pad (classify, "src");
  probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, block, NULL, NULL);

  gst_element_set_state (blocked.pipeline, GST_STATE_PLAYING);
  gst_element_set_state (restarted.pipeline, GST_STATE_PLAYING);
  gst_element_set_state (short_one.pipeline, GST_STATE_PLAYING);
  gst_element_set_state (steady.pipeline, GST_STATE_PLAYING);

  fail_unless (stream_wait_eos (&short_one, 60 * GST_SECOND));
  stream_check (&short_one, 2);

  /* the restarted stream: stopped (its share released) and started again */
  g_usleep (300 * 1000);
  gst_element_set_state (restarted.pipeline, GST_STATE_NULL);
  g_mutex_lock (&restarted.lock);
  g_ptr_array_set_size (restarted.buffers, 0);
  g_mutex_unlock (&restarted.lock);
  gst_element_set_state (restarted.pipeline, GST_STATE_PLAYING);

  fail_unless (stream_wait_eos (&steady, 60 * GST_SECOND), "a blocked stream held up another");
  stream_check (&steady, 30);
  fail_unless (stream_wait_eos (&restarted, 60 * GST_SECOND));
  stream_check (&restarted, 40);

  /* still blocked: at most the one buffer that reached the probe */
  g_mutex_lock (&blocked.lock);
  fail_unless_equals_int (blocked.buffers->len, 0);
  g_mutex_unlock (&blocked.lock);
  gst_pad_remove_probe (pad, probe);
  fail_unless (stream_wait_eos (&blocked, 60 * GST_SECOND));
  stream_check (&blocked, FRAMES);

  gst_object_unref (pad);
  gst_object_unref (classify);
  stream_clear (&blocked);
  stream_clear (&restarted);
  stream_clear (&short_one);
  stream_clear (&steady);
}
GST_END_TEST;

/* An element whose model, device or precision differs from the shared
 * instance's fails to start, naming both elements and the setting; one
 * whose batching differs starts with a warning; the same file by another
 * path and the same device by another setting are no difference. */
GST_START_TEST (test_mismatch)
{
  GstElement *maker = gst_element_factory_make ("swinclassify", "first");
  struct { const gchar *prop; const gchar *value; const gchar *expect; } cases[] = {
    { "model", other_model_path, "model=" },
    { "device", "no-such-device", "device=no-such-device" },
    { "precision", "fp16", "precision=fp16" },
  };

  g_object_set (maker, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"),
                "model-instance-id", "mismatch", NULL);
  fail_unless_equals_int (gst_element_set_state (maker, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *joiner = gst_element_factory_make ("swinclassify", "second");
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;
    GError *error = NULL;

    g_object_set (joiner, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"),
                  "model-instance-id", "mismatch", NULL);
    gst_util_set_object_arg (G_OBJECT (joiner), cases[i].prop, cases[i].value);
    gst_element_set_bus (joiner, bus);
    fail_unless_equals_int (gst_element_set_state (joiner, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gst_message_parse_error (msg, &error, NULL);
    fail_unless (strstr (error->message, "second") && strstr (error->message, "first") &&
                 strstr (error->message, cases[i].expect), "%s", error->message);
    g_error_free (error);
    gst_message_unref (msg);
    gst_element_set_state (joiner, GST_STATE_NULL);
    gst_element_set_bus (joiner, NULL);
    gst_object_unref (bus);
    gst_object_unref (joiner);
  }
  {
    GstElement *joiner = gst_element_factory_make ("swinclassify", "second");
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;
    GError *error = NULL;

    g_object_set (joiner, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"),
                  "model-instance-id", "mismatch", "batch-size", 2, NULL);
    gst_element_set_bus (joiner, bus);
    fail_unless_equals_int (gst_element_set_state (joiner, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL);
    gst_message_parse_warning (msg, &error, NULL);
    fail_unless (strstr (error->message, "batch-size=8"), "%s", error->message);
    g_error_free (error);
    gst_message_unref (msg);
    gst_element_set_state (joiner, GST_STATE_NULL);
    gst_element_set_bus (joiner, NULL);
    gst_object_unref (bus);
    gst_object_unref (joiner);
  }
  {
    gchar *base = g_path_get_basename (tmpdir);
    gchar *dotted = g_build_filename (tmpdir, "..", base, "tiny.safetensors", NULL);
    gchar *link = g_build_filename (tmpdir, "link.safetensors", NULL);
    const gchar *same[][2] = { { "model", dotted }, { "model", link }, { "device", "0" } };

    fail_unless (symlink (model_path, link) == 0);
    for (guint i = 0; i < G_N_ELEMENTS (same); i++) {
      GstElement *joiner = gst_element_factory_make ("swinclassify", "second");

      g_object_set (joiner, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"),
                    "model-instance-id", "mismatch", NULL);
      /* lavapipe is the tests' only device: index 0 */
      if (g_str_equal (same[i][0], "device") && g_strcmp0 (g_getenv ("SWIN_TEST_DEVICE"), "llvmpipe"))
        continue;
      g_object_set (joiner, same[i][0], same[i][1], NULL);
      fail_unless_equals_int (gst_element_set_state (joiner, GST_STATE_PAUSED),
                              GST_STATE_CHANGE_SUCCESS);
      gst_element_set_state (joiner, GST_STATE_NULL);
      gst_object_unref (joiner);
    }
    g_unlink (link);
    g_free (link);
    g_free (dotted);
    g_free (base);
  }
  gst_element_set_state (maker, GST_STATE_NULL);
  gst_object_unref (maker);
}
GST_END_TEST;

/* The core's lines of test_core_log_names: the object of each. */
static GMutex core_lines_lock;
static GPtrArray *core_lines;    /* GObject* of each swincore line, NULL for none */
static GPtrArray *core_weights;  /* the same for the "weights:" lines */

static void
record_core_lines (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
                   const gchar *function, gint line, GObject *object, GstDebugMessage *message,
                   gpointer data)
{
  if (g_strcmp0 (gst_debug_category_get_name (category), "swincore") != 0)
    return;
  g_mutex_lock (&core_lines_lock);
  if (core_lines) {
    g_ptr_array_add (core_lines, object);
    if (g_str_has_prefix (gst_debug_message_get (message), "weights:"))
      g_ptr_array_add (core_weights, object);
  }
  g_mutex_unlock (&core_lines_lock);
}

/* GST_DEBUG=swincore:5 with two elements on two instances: every core line
 * is logged against the element whose instance it concerns, and only
 * against it. */
GST_START_TEST (test_core_log_names)
{
  GstElement *a = gst_element_factory_make ("swinclassify", "cam-a");
  GstElement *b = gst_element_factory_make ("swinclassify", "cam-b");
  guint on_a = 0, on_b = 0;

  g_object_set (a, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"),
                "model-instance-id", "log-a", NULL);
  g_object_set (b, "model", other_model_path, "device", g_getenv ("SWIN_TEST_DEVICE"), NULL);
  gst_debug_set_threshold_for_name ("swincore", GST_LEVEL_DEBUG);
  g_mutex_lock (&core_lines_lock);
  core_lines = g_ptr_array_new ();
  core_weights = g_ptr_array_new ();
  g_mutex_unlock (&core_lines_lock);
  gst_debug_add_log_function (record_core_lines, NULL, NULL);

  fail_unless_equals_int (gst_element_set_state (a, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (b, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);

  gst_debug_remove_log_function (record_core_lines);
  gst_debug_set_threshold_for_name ("swincore", GST_LEVEL_INFO);
  g_mutex_lock (&core_lines_lock);
  fail_unless (core_lines->len > 4, "only %u core lines", core_lines->len);
  for (guint i = 0; i < core_lines->len; i++) {
    GObject *o = g_ptr_array_index (core_lines, i);
    fail_unless (o == G_OBJECT (a) || o == G_OBJECT (b), "core line %u names no element", i);
    on_a += o == G_OBJECT (a);
    on_b += o == G_OBJECT (b);
  }
  fail_unless (on_a > 0 && on_b > 0);
  /* each instance uploaded once, said to its own element only */
  fail_unless_equals_int (core_weights->len, 2);
  fail_unless (g_ptr_array_index (core_weights, 0) != g_ptr_array_index (core_weights, 1));
  g_clear_pointer (&core_lines, g_ptr_array_unref);
  g_clear_pointer (&core_weights, g_ptr_array_unref);
  g_mutex_unlock (&core_lines_lock);

  gst_element_set_state (a, GST_STATE_NULL);
  gst_element_set_state (b, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}
GST_END_TEST;

typedef struct {
  GstElement *element;
  gint done;                 /* atomic: its start returned */
  GstStateChangeReturn ret;
} Starter;

static gpointer
start_element (gpointer data)
{
  Starter *st = data;

  st->ret = gst_element_set_state (st->element, GST_STATE_PAUSED);
  g_atomic_int_set (&st->done, TRUE);
  return NULL;
}

static GstElement *
make_shared (const gchar *path, const gchar *id)
{
  GstElement *e = gst_element_factory_make ("swinclassify", NULL);

  g_object_set (e, "model", path, "device", g_getenv ("SWIN_TEST_DEVICE"), "model-instance-id", id,
                NULL);
  return e;
}

/* Shared instances are set up outside the registry's lock: while one
 * element loads a large model, elements with another id start and stop
 * without waiting for it, and one with the same id waits and shares it
 * (one upload). */
GST_START_TEST (test_load_outside_lock)
{
  SwinInitParams ip = { .embed_dim = 96, .num_stages = 4, .depths = { 2, 2, 18, 2 },
                        .heads = { 3, 6, 12, 24 }, .window = 7, .num_classes = 10,
                        .img_size = 448, .seed = 5 };
  gchar *big = swin_test_write_model (tmpdir, "big.safetensors", &ip);
  Starter slow = { .element = make_shared (big, "slow") };
  Starter joiner = { .element = make_shared (big, "slow") };
  GThread *slow_thread, *joiner_thread;
  gint64 t0 = g_get_monotonic_time ();

  g_atomic_int_set (&uploads, 0);
  slow_thread = g_thread_new ("slow", start_element, &slow);
  /* the slow start is under way (its model file is being read) */
  g_usleep (100 * 1000);
  joiner_thread = g_thread_new ("joiner", start_element, &joiner);
  {
    GstElement *quick = make_shared (model_path, "quick");

    fail_unless_equals_int (gst_element_set_state (quick, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (quick, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (quick);
  }
  g_test_message ("a quick cycle in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  fail_if (g_atomic_int_get (&slow.done), "the quick elements waited for the slow load");
  fail_if (g_atomic_int_get (&joiner.done), "the joiner did not wait for the instance");
  g_thread_join (slow_thread);
  g_thread_join (joiner_thread);
  g_test_message ("the slow start took %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  fail_unless_equals_int (slow.ret, GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (joiner.ret, GST_STATE_CHANGE_SUCCESS);
  /* the large model once, the small one for the quick start */
  fail_unless_equals_int (g_atomic_int_get (&uploads), 2);
  gst_element_set_state (slow.element, GST_STATE_NULL);
  gst_element_set_state (joiner.element, GST_STATE_NULL);
  gst_object_unref (slow.element);
  gst_object_unref (joiner.element);
  g_unlink (big);
  g_free (big);
}
GST_END_TEST;

/* A shared instance whose model fails to load: the elements that started
 * with it fail with the load's error, and the id is free again: a later
 * element with a good model makes the instance. */
GST_START_TEST (test_load_failure)
{
  gchar *bad = g_build_filename (tmpdir, "bad.safetensors", NULL);
  Starter one, other;
  GThread *thread;
  GstElement *good;

  fail_unless (g_file_set_contents (bad, "not a checkpoint", -1, NULL));
  one = (Starter) { .element = make_shared (bad, "fails") };
  other = (Starter) { .element = make_shared (bad, "fails") };
  thread = g_thread_new ("first", start_element, &one);
  start_element (&other);
  g_thread_join (thread);
  fail_unless_equals_int (one.ret, GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (other.ret, GST_STATE_CHANGE_FAILURE);
  good = make_shared (model_path, "fails");
  fail_unless_equals_int (gst_element_set_state (good, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (good, GST_STATE_NULL);
  gst_element_set_state (one.element, GST_STATE_NULL);
  gst_element_set_state (other.element, GST_STATE_NULL);
  gst_object_unref (good);
  gst_object_unref (one.element);
  gst_object_unref (other.element);
  g_unlink (bad);
  g_free (bad);
}
GST_END_TEST;

static Suite *
shared_suite (void)
{
  Suite *s = suite_create ("swinclassify-shared");
  TCase *tc = tcase_create ("shared");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = 10, .img_size = 56, .seed = 19 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-shared-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  ip.seed = 20;
  other_model_path = swin_test_write_model (tmpdir, "other.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("swincore", GST_LEVEL_INFO);
  gst_debug_add_log_function (count_uploads, NULL, NULL);

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_six_streams);
  tcase_add_test (tc, test_stall_restart_eos);
  tcase_add_test (tc, test_mismatch);
  tcase_add_test (tc, test_load_outside_lock);
  tcase_add_test (tc, test_core_log_names);
  tcase_add_test (tc, test_load_failure);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, shared_suite, "swinclassify-shared", __FILE__);

  swin_model_free (model);
  swin_test_remove_dir (tmpdir, model_path, other_model_path, NULL);
  return failed;
}

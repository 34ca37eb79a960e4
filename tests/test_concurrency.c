/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Four pipelines, each with its own swinclassify (and so its own Vulkan
 * device, weights and plan) on the same model file, running at once in one
 * process: two in sync mode, two in async mode, in four pixel formats.
 * Every result, on the buffers (sync) or in the bus messages (both), must
 * be the core's CPU answer for the frame it names.  Also built with
 * ThreadSanitizer by tests/ci-stress.sh. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define N_PIPELINES 4
#define N_FRAMES 6

static gchar *tmpdir, *model_path;
static SwinModel *model;

typedef struct {
  GstElement *pipeline;
  GstVideoInfo info;
  GMutex lock;
  GPtrArray *buffers;   /* everything the appsink received, in order */
} Run;

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  Run *run = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  g_mutex_lock (&run->lock);
  g_ptr_array_add (run->buffers, gst_buffer_ref (gst_sample_get_buffer (sample)));
  g_mutex_unlock (&run->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static GstBuffer *
find_frame (Run *run, guint64 pts)
{
  for (guint i = 0; i < run->buffers->len; i++) {
    GstBuffer *b = g_ptr_array_index (run->buffers, i);

    if (GST_BUFFER_PTS (b) == pts)
      return b;
  }
  return NULL;
}

GST_START_TEST (test_four_pipelines)
{
  static const struct { const gchar *caps, *mode; gint pattern; } setup[N_PIPELINES] = {
    { "video/x-raw,format=RGB,width=64,height=48,framerate=30/1", "sync", 0 },
    { "video/x-raw,format=I420,width=50,height=70,framerate=30/1", "sync", 18 },
    { "video/x-raw,format=NV12,width=80,height=60,framerate=30/1", "async", 1 },
    { "video/x-raw,format=BGRx,width=33,height=41,framerate=30/1", "async", 24 },
  };
  Run runs[N_PIPELINES];
  GstAppSinkCallbacks callbacks = { .new_sample = on_sample };

  for (gint p = 0; p < N_PIPELINES; p++) {
    GError *error = NULL;
    gchar *launch = g_strdup_printf (
        "videotestsrc num-buffers=%d pattern=%d ! %s ! swinclassify name=c mode=%s model=\"%s\" ! "
        "appsink name=sink sync=false", N_FRAMES, setup[p].pattern, setup[p].caps,
        setup[p].mode, model_path);
    GstCaps *caps = gst_caps_from_string (setup[p].caps);
    GstElement *e;

    runs[p].pipeline = gst_parse_launch (launch, &error);
    fail_unless (runs[p].pipeline != NULL, "%s", error ? error->message : "");
    g_free (launch);
    fail_unless (gst_video_info_from_caps (&runs[p].info, caps));
    gst_caps_unref (caps);
    g_mutex_init (&runs[p].lock);
    runs[p].buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
    e = gst_bin_get_by_name (GST_BIN (runs[p].pipeline), "sink");
    gst_app_sink_set_callbacks (GST_APP_SINK (e), &callbacks, &runs[p], NULL);
    gst_object_unref (e);
    e = gst_bin_get_by_name (GST_BIN (runs[p].pipeline), "c");
    if (g_getenv ("SWIN_TEST_DEVICE"))
      g_object_set (e, "device", g_getenv ("SWIN_TEST_DEVICE"), NULL);
    gst_object_unref (e);
  }

  /* All four start together: their start() (device, weights, plan,
   * shaders) and streaming threads overlap. */
  for (gint p = 0; p < N_PIPELINES; p++)
    fail_if (gst_element_set_state (runs[p].pipeline, GST_STATE_PLAYING) ==
             GST_STATE_CHANGE_FAILURE);

  for (gint p = 0; p < N_PIPELINES; p++) {
    GstBus *bus = gst_element_get_bus (runs[p].pipeline);
    GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
    GstMessage *msg;
    guint n_meta = 0;
    gboolean sync = g_str_equal (setup[p].mode, "sync");

    /* Every element message comes before EOS (async mode drains at EOS). */
    while ((msg = gst_bus_timed_pop_filtered (bus, 300 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
      GstMessageType type = GST_MESSAGE_TYPE (msg);

      fail_if (type == GST_MESSAGE_ERROR, "pipeline %d: error", p);
      if (type == GST_MESSAGE_ELEMENT)
        g_ptr_array_add (results, gst_structure_copy (gst_message_get_structure (msg)));
      gst_message_unref (msg);
      if (type == GST_MESSAGE_EOS)
        break;
    }
    fail_unless (msg != NULL, "pipeline %d: no EOS", p);
    gst_object_unref (bus);
    g_mutex_lock (&runs[p].lock);
    fail_unless_equals_int (runs[p].buffers->len, N_FRAMES);
    g_mutex_unlock (&runs[p].lock);

    /* Each message against the frame it names. */
    for (guint i = 0; i < results->len; i++) {
      const GstStructure *s = g_ptr_array_index (results, i);
      guint64 pts;
      GstBuffer *frame;

      fail_unless (gst_structure_has_name (s, GST_SWIN_MESSAGE_NAME));
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &pts));
      g_mutex_lock (&runs[p].lock);
      frame = find_frame (&runs[p], pts);
      g_mutex_unlock (&runs[p].lock);
      fail_unless (frame != NULL, "pipeline %d: a message for a frame never output", p);
      swin_test_check_result (s, model, frame, &runs[p].info);
    }
    /* Sync mode: every frame classified, its own result on it. */
    for (guint i = 0; i < runs[p].buffers->len; i++) {
      GstBuffer *b = g_ptr_array_index (runs[p].buffers, i);
      const GstStructure *s = gst_buffer_get_swin_result (b);

      if (!s)
        continue;
      n_meta++;
      if (sync) {
        fail_unless_equals_int (gst_swin_result_get_age (s), 0);
        swin_test_check_result (s, model, b, &runs[p].info);
      }
    }
    if (sync) {
      fail_unless_equals_int (results->len, N_FRAMES);
      fail_unless_equals_int (n_meta, N_FRAMES);
    } else {
      fail_unless (results->len > 0, "pipeline %d: nothing classified", p);
    }
    g_ptr_array_unref (results);
  }

  for (gint p = 0; p < N_PIPELINES; p++) {
    gst_element_set_state (runs[p].pipeline, GST_STATE_NULL);
    gst_object_unref (runs[p].pipeline);
    g_ptr_array_unref (runs[p].buffers);
    g_mutex_clear (&runs[p].lock);
  }
}
GST_END_TEST;

static Suite *
concurrency_suite (void)
{
  Suite *s = suite_create ("swinclassify-concurrency");
  TCase *tc = tcase_create ("concurrency");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = 10, .img_size = 56, .seed = 21 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-concurrency-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);

  tcase_set_timeout (tc, 900);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_four_pipelines);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, concurrency_suite, "swinclassify-concurrency",
                                  __FILE__);

  swin_model_free (model);
  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}

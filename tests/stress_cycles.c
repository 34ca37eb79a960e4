/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* State-cycle stress of the element: CYCLES times NULL -> PLAYING -> EOS ->
 * NULL on one `videotestsrc ! swinclassify ! fakesink` pipeline, with the
 * smallest model the core accepts.  Every cycle must classify every frame
 * and reach EOS without an error.  Run under valgrind (tests/ci-stress.sh)
 * it is the leak check of the element and the core: each cycle creates and
 * destroys a Vulkan instance, device, weights, plan and preprocessor; with
 * SWIN_VK_VALIDATION=1 the validation layer reports any Vulkan object still
 * alive at vkDestroyDevice/vkDestroyInstance as an error, which the context
 * turns into a (fatal) critical.
 *
 * Usage: stress-cycles [CYCLES [FRAMES [sync|async|both [shared]]]]  (default
 * 20 4 sync; both: sync and async mode alternately; shared: a second branch
 * whose swinclassify shares the first one's model instance, so that every
 * cycle makes, shares and frees a shared instance)
 * Needs the system's videotestsrc and fakesink, and this build's plugin in
 * GST_PLUGIN_PATH_1_0. */
#include <gst/gst.h>
#include <stdlib.h>

#include "swin/swin.h"
#include "swin_test_model.h"
#include "swin_test_stress.h"

/* Runs @pipeline to EOS; FALSE (with a message) on an error. */
static gboolean
run_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gboolean ok;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("could not set the pipeline to PLAYING\n");
    ok = FALSE;
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  } else {
    msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  }
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("error: %s\n", error->message);
    g_error_free (error);
  } else if (!ok) {
    g_printerr ("no EOS within 120 s\n");
  }
  if (msg)
    gst_message_unref (msg);
  /* Drop the element messages of this cycle. */
  gst_bus_set_flushing (bus, TRUE);
  gst_bus_set_flushing (bus, FALSE);
  gst_object_unref (bus);
  return ok;
}

int
main (int argc, char **argv)
{
  /* One stage, one block, one 7x7 window on a 28x28 input: the least work
   * per device creation, while every kernel still runs. */
  SwinInitParams ip = { .embed_dim = 8, .num_stages = 1, .depths = { 1 }, .heads = { 1 },
                        .window = 7, .num_classes = 4, .img_size = 28, .seed = 3 };
  guint cycles = argc > 1 ? (guint) atoi (argv[1]) : 20;
  guint frames = argc > 2 ? (guint) atoi (argv[2]) : 4;
  const gchar *modes = argc > 3 ? argv[3] : "sync";
  gboolean shared = argc > 4 && g_str_equal (argv[4], "shared");
  gchar *dir, *model, *launch;
  GstElement *pipeline, *classify;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  int status = EXIT_SUCCESS;

  gst_init (&argc, &argv);
  if (cycles == 0 || frames == 0 ||
      !(g_str_equal (modes, "sync") || g_str_equal (modes, "async") || g_str_equal (modes, "both")) ||
      (argc > 4 && !shared)) {
    g_printerr ("usage: %s [CYCLES [FRAMES [sync|async|both [shared]]]]\n", argv[0]);
    return EXIT_FAILURE;
  }
  dir = g_dir_make_tmp ("swin-cycles-XXXXXX", &error);
  g_assert_no_error (error);
  model = swin_test_write_model (dir, "cycles.safetensors", &ip);
  launch = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
                            "video/x-raw,format=I420,width=40,height=30 ! "
                            "swinclassify name=c model=\"%s\" model-instance-id=\"%s\" ! fakesink",
                            frames, model, shared ? "cycles" : "");
  if (shared) {
    gchar *both = g_strdup_printf ("%s videotestsrc pattern=snow num-buffers=%u ! "
                                   "video/x-raw,format=RGB,width=48,height=36 ! swinclassify "
                                   "model=\"%s\" model-instance-id=cycles device=\"%s\" ! fakesink",
                                   launch, frames, model,
                                   /* as swin_test_launch() sets it on the first */
                                   g_getenv ("SWIN_TEST_DEVICE") ? g_getenv ("SWIN_TEST_DEVICE") : "");
    g_free (launch);
    launch = both;
  }
  pipeline = swin_test_launch (launch, &classify);
  if (!pipeline)
    return EXIT_FAILURE;

  for (guint i = 0; i < cycles && status == EXIT_SUCCESS; i++) {
    gboolean async = g_str_equal (modes, "async") || (g_str_equal (modes, "both") && i % 2 == 1);
    guint64 inferred;

    g_object_set (classify, "mode", async ? 1 : 0, NULL);
    if (!run_to_eos (pipeline))
      status = EXIT_FAILURE;
    g_object_get (classify, "frames-inferred", &inferred, NULL);
    /* Sync mode classifies every frame; async mode at least the last one,
     * which EOS waits for. */
    if (status == EXIT_SUCCESS && (async ? inferred == 0 : inferred != frames)) {
      g_printerr ("cycle %u: %" G_GUINT64_FORMAT " of %u frames classified\n", i, inferred,
                  frames);
      status = EXIT_FAILURE;
    }
    if (gst_element_set_state (pipeline, GST_STATE_NULL) != GST_STATE_CHANGE_SUCCESS)
      status = EXIT_FAILURE;
    /* Ten points of the RSS curve, for the record (leaks are judged by
     * valgrind and the validation layer). */
    if ((i + 1) % MAX (cycles / 10, 1) == 0)
      g_print ("cycle %5u  VmRSS %ld KiB\n", i + 1, swin_test_read_rss_kib ());
  }
  g_print ("%u cycles of %u frames (%s%s): %s in %.1f s\n", cycles, frames, modes,
           shared ? ", shared instance" : "",
           status == EXIT_SUCCESS ? "ok" : "FAILED", (g_get_monotonic_time () - t0) / 1e6);

  gst_object_unref (classify);
  gst_object_unref (pipeline);
  swin_test_remove_dir (dir, model, NULL);
  gst_deinit ();
  return status;
}

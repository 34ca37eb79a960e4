/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Soak test of the element in async mode: FRAMES frames of
 * `videotestsrc ! identity sleep-time=PACE ! swinclassify mode=async !
 * fakesink` in one run (PACE microseconds per frame, so that the worker
 * classifies a good share of the frames rather than a few), the
 * process's resident set size (VmRSS) sampled every STEP frames and printed
 * as a curve.  Fails when the RSS grows by more than 1 MiB between the end of
 * the warm-up (the first WARMUP frames) and any later sample, when a frame is
 * lost (frames into the element != frames out of it), when nothing was
 * classified, or on an error.
 *
 * Usage: soak [FRAMES [STEP [WARMUP [PACE]]]]   (default 10000 500 2000 2000)
 * Needs the system's videotestsrc and fakesink, and this build's plugin in
 * GST_PLUGIN_PATH_1_0. */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_model.h"
#include "swin_test_stress.h"

#define MAX_GROWTH_KIB 1024

typedef struct {
  guint step;
  gint frames_in;        /* atomic: buffers into the element's sink pad */
  gint frames_out;       /* atomic: buffers out of its source pad */
  gint with_result;      /* atomic: of those, buffers carrying a result */
  GArray *rss;           /* VmRSS in KiB after every step frames (streaming thread) */
} Soak;

static GstPadProbeReturn
count_in (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Soak *soak = data;

  g_atomic_int_inc (&soak->frames_in);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_out (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Soak *soak = data;
  gint n = g_atomic_int_add (&soak->frames_out, 1) + 1;

  if (gst_buffer_get_swin_result (GST_PAD_PROBE_INFO_BUFFER (info)))
    g_atomic_int_inc (&soak->with_result);
  if (n % soak->step == 0) {
    glong kib = swin_test_read_rss_kib ();
    g_array_append_val (soak->rss, kib);
  }
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  SwinInitParams ip = { .embed_dim = 8, .num_stages = 1, .depths = { 1 }, .heads = { 1 },
                        .window = 7, .num_classes = 4, .img_size = 28, .seed = 5 };
  guint frames = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  guint step = argc > 2 ? (guint) atoi (argv[2]) : 500;
  guint warmup = argc > 3 ? (guint) atoi (argv[3]) : 2000;
  guint pace = argc > 4 ? (guint) atoi (argv[4]) : 2000;
  Soak soak = { .step = step, .rss = g_array_new (FALSE, FALSE, sizeof (glong)) };
  GError *error = NULL;
  gchar *dir, *model, *launch;
  GstElement *pipeline, *classify;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;
  guint64 inferred = 0;
  glong base = -1, growth = 0;
  gboolean ok;

  gst_init (&argc, &argv);
  if (frames == 0 || step == 0 || warmup >= frames || warmup % step != 0) {
    g_printerr ("usage: %s [FRAMES [STEP [WARMUP [PACE]]]] (WARMUP < FRAMES, a multiple of "
                "STEP)\n",
                argv[0]);
    return EXIT_FAILURE;
  }
  dir = g_dir_make_tmp ("swin-soak-XXXXXX", &error);
  g_assert_no_error (error);
  model = swin_test_write_model (dir, "soak.safetensors", &ip);
  launch = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
                            "video/x-raw,format=RGB,width=64,height=48,framerate=30/1 ! "
                            "identity sleep-time=%u ! "
                            "swinclassify name=c mode=async model=\"%s\" ! fakesink", frames,
                            pace, model);
  pipeline = swin_test_launch (launch, &classify);
  if (!pipeline)
    return EXIT_FAILURE;
  pad = gst_element_get_static_pad (classify, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_in, &soak, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (classify, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_out, &soak, NULL);
  gst_object_unref (pad);

  bus = gst_element_get_bus (pipeline);
  ok = gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  msg = gst_bus_timed_pop_filtered (bus, 1800 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    if (msg) {
      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error: %s\n", error->message);
      g_clear_error (&error);
    } else {
      g_printerr ("no EOS\n");
    }
    ok = FALSE;
  }
  g_clear_pointer (&msg, gst_message_unref);
  g_object_get (classify, "frames-inferred", &inferred, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_print ("frames  VmRSS(KiB)  growth since warm-up (KiB)\n");
  for (guint i = 0; i < soak.rss->len; i++) {
    guint n = (i + 1) * step;
    glong kib = g_array_index (soak.rss, glong, i);

    if (kib < 0)
      ok = FALSE;
    if (n == warmup)
      base = kib;
    if (n >= warmup && base >= 0)
      growth = MAX (growth, kib - base);
    g_print ("%6u  %10ld  %s%ld\n", n, kib, n < warmup ? "(warm-up) " : "",
             n >= warmup ? kib - base : 0);
  }
  g_print ("frames in %d, out %d, with a result %d, classified %" G_GUINT64_FORMAT "; "
           "max RSS growth after warm-up %ld KiB (limit %d)\n",
           g_atomic_int_get (&soak.frames_in), g_atomic_int_get (&soak.frames_out),
           g_atomic_int_get (&soak.with_result), inferred, growth, MAX_GROWTH_KIB);
  ok = ok && (guint) g_atomic_int_get (&soak.frames_in) == frames &&
       g_atomic_int_get (&soak.frames_out) == g_atomic_int_get (&soak.frames_in) &&
       inferred > 0 && g_atomic_int_get (&soak.with_result) > 0 && base >= 0 &&
       growth <= MAX_GROWTH_KIB;
  g_print ("%s\n", ok ? "PASS" : "FAIL");

  gst_object_unref (bus);
  gst_object_unref (classify);
  gst_object_unref (pipeline);
  g_array_free (soak.rss, TRUE);
  swin_test_remove_dir (dir, model, NULL);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

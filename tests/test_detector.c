/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A real detector in a real pipeline: gst-plugins-bad's facedetect (OpenCV
 * Haar cascades from Debian's opencv-data) finds the face in scikit-image's
 * astronaut photograph, and swinclassify inference-region=roi-list
 * classifies it (object-class=Face: the detector's "face", matched
 * without regard to case); the result equals what swinclassify reports in full-frame
 * mode for the same rectangle cut out by videocrop. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <math.h>

#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"

#define PHOTO "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
#define CASCADES "/usr/share/opencv4/haarcascades"

static gchar *tmpdir;
static gchar *model_path;

/* Runs @description (ending in an appsink named "out") to its first buffer. */
static GstBuffer *
first_buffer (const gchar *description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *sink;
  GstSample *sample;
  GstBuffer *buf;

  fail_unless (pipeline != NULL, "%s: %s", description, error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
                          GST_STATE_CHANGE_ASYNC);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 120 * GST_SECOND);
  fail_unless (sample != NULL, "no buffer from: %s", description);
  buf = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return buf;
}

GST_START_TEST (test_facedetect_then_classify)
{
  gchar *detect = g_strdup_printf (
      "filesrc location=" PHOTO " ! pngdec ! videoconvert ! video/x-raw,format=RGB ! "
      "facedetect display=false profile=" CASCADES "/haarcascade_frontalface_default.xml "
      "nose-profile=" CASCADES "/haarcascade_eye.xml mouth-profile=" CASCADES "/haarcascade_smile.xml "
      "eyes-profile=" CASCADES "/haarcascade_eye.xml ! "
      "swinclassify model=%s device=%s inference-region=roi-list object-class=Face top-k=5 ! "
      "appsink name=out", model_path, g_getenv ("SWIN_TEST_DEVICE"));
  GstBuffer *buf = first_buffer (detect);
  GstVideoRegionOfInterestMeta *face = NULL, *m;
  gpointer state = NULL;
  const GstStructure *result, *frame_result;
  gchar *crop;
  GstBuffer *cropped;
  guint faces = 0;

  while ((m = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (m->roi_type == g_quark_from_string ("face")) {
      face = m;
      faces++;
    } else {
      /* the detector's eyes and mouth are not in object-class */
      fail_unless (gst_video_region_of_interest_meta_get_swin_result (m) == NULL);
    }
  }
  fail_unless_equals_int (faces, 1);
  g_test_message ("face at %u,%u %ux%u", face->x, face->y, face->w, face->h);
  /* the astronaut's face, roughly where it is in the photograph */
  fail_unless (face->x > 120 && face->x < 240 && face->y > 20 && face->y < 120);
  result = gst_video_region_of_interest_meta_get_swin_result (face);
  fail_unless (result != NULL);
  fail_unless (gst_swin_region_result_get_best (result, NULL, NULL, NULL));

  crop = g_strdup_printf (
      "filesrc location=" PHOTO " ! pngdec ! videoconvert ! video/x-raw,format=RGB ! "
      "videocrop left=%u top=%u right=%u bottom=%u ! "
      "swinclassify model=%s device=%s top-k=5 ! appsink name=out",
      face->x, face->y, 512 - face->x - face->w, 512 - face->y - face->h, model_path,
      g_getenv ("SWIN_TEST_DEVICE"));
  cropped = first_buffer (crop);
  frame_result = gst_buffer_get_swin_result (cropped);
  fail_unless (frame_result != NULL);
  fail_unless_equals_int (gst_swin_result_get_n_classes (result), 5);
  fail_unless_equals_int (gst_swin_result_get_n_classes (frame_result), 5);
  for (guint i = 0; i < 5; i++) {
    gint a, b;
    gdouble sa, sb;

    fail_unless (gst_swin_result_get_class (result, i, &a, NULL, &sa));
    fail_unless (gst_swin_result_get_class (frame_result, i, &b, NULL, &sb));
    fail_unless (a == b, "rank %u: region class %d, cropped frame class %d", i, a, b);
    fail_unless (fabs (sa - sb) < 1e-5, "rank %u: %g vs %g", i, sa, sb);
  }
  gst_buffer_unref (cropped);
  gst_buffer_unref (buf);
  g_free (crop);
  g_free (detect);
}
GST_END_TEST;

static Suite *
detector_suite (void)
{
  Suite *s = suite_create ("swinclassify-detector");
  TCase *tc = tcase_create ("detector");
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = 10, .img_size = 56, .seed = 17 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-detector-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_facedetect_then_classify);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, detector_suite, "swinclassify-detector", __FILE__);

  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}

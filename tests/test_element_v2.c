/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify on a Swin V2 model as on a V1 one: whole frames on both
 * preprocessing backends, regions (clipped, skipped), and two elements
 * sharing the model through model-instance-id, every result equal to the
 * core's CPU preprocessing and CPU forward of the same model. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <stdarg.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_element.h"
#include "swin_test_model.h"
#include "swin_test_video.h"

#define CLASSES 10
#define CAPS "video/x-raw,format=RGBA,width=97,height=71,framerate=30/1"

static gchar *tmpdir;
static gchar *model_path;
static SwinModel *model;

static GstHarness *
make_harness (const gchar *first_property, ...)
{
  GstElement *e;
  GstHarness *h;
  va_list args;

  va_start (args, first_property);
  e = swin_test_new_element_valist (model_path, first_property, args);
  va_end (args);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static void
check_frame (GstHarness *h, guint n, guint32 seed)
{
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstVideoInfo info;
  GstBuffer *out = gst_harness_push_and_pull (h, swin_test_make_frame (CAPS, n, seed));
  const GstStructure *s;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless (out != NULL);
  s = gst_buffer_get_swin_result (out);
  fail_unless (s != NULL, "frame %u has no result", n);
  fail_unless_equals_string (gst_swin_result_get_model (s), "tiny-v2");
  swin_test_check_result (s, model, out, &info);
  gst_buffer_unref (out);
}

GST_START_TEST (test_v2_frames)
{
  for (gint backend = 0; backend < 2; backend++) {
    GstHarness *h = make_harness ("pre-process-backend", backend, NULL);

    for (guint i = 0; i < 2; i++)
      check_frame (h, i, 40 + 10 * backend + i);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_v2_regions)
{
  static const struct {
    gint x, y, w, h;
    SwinRect expect;   /* width 0: skipped */
  } regions[] = {
    { 5, 7, 31, 23, { 5, 7, 31, 23 } },
    { 90, 65, 20, 20, { 90, 65, 7, 6 } },   /* clipped to the frame */
    { 20, 10, 40, 40, { 20, 10, 40, 40 } },
    { 120, 5, 10, 10, { 0 } },              /* outside the frame */
  };
  GstHarness *h = make_harness ("inference-region", 1 /* roi-list */, "min-roi-size", "1x1", NULL);
  GstBuffer *in = swin_test_make_frame (CAPS, 0, 77), *out;
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstVideoInfo info;
  gpointer state = NULL;
  GstMeta *meta;
  guint seen = 0;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++)
    gst_buffer_add_video_region_of_interest_meta (in, "face", regions[i].x, regions[i].y, regions[i].w,
                                                  regions[i].h)->id = (gint) i;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *m = (GstVideoRegionOfInterestMeta *) meta;
    const GstStructure *s = gst_video_region_of_interest_meta_get_swin_result (m);

    fail_unless (m->id >= 0 && m->id < (gint) G_N_ELEMENTS (regions));
    seen++;
    if (regions[m->id].expect.width == 0) {
      fail_unless (s == NULL, "region %d should have been skipped", m->id);
      continue;
    }
    fail_unless (s != NULL, "region %d was not classified", m->id);
    swin_test_check_region_result (s, model, out, &info, &regions[m->id].expect, SWIN_SCALE_CENTER_CROP);
  }
  fail_unless_equals_int (seen, G_N_ELEMENTS (regions));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Two elements on one instance, frames through each in turn. */
GST_START_TEST (test_v2_shared)
{
  GstHarness *a = make_harness ("model-instance-id", "v2", NULL);
  GstHarness *b = make_harness ("model-instance-id", "v2", "pre-process-backend", 1, NULL);

  for (guint i = 0; i < 3; i++) {
    check_frame (a, i, 90 + i);
    check_frame (b, i, 190 + i);
  }
  gst_harness_teardown (a);
  gst_harness_teardown (b);
}
GST_END_TEST;

static Suite *
element_v2_suite (void)
{
  Suite *s = suite_create ("swinclassify-v2");
  TCase *tc = tcase_create ("v2");
  /* window 7 at 56: stage maps of 14 and 7, both windows whole */
  SwinInitParams ip = { .version = 2, .embed_dim = 16, .num_stages = 2, .depths = { 2, 1 },
                        .heads = { 1, 2 }, .window = 7, .num_classes = CLASSES, .img_size = 56,
                        .seed = 17 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-element-v2-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny-v2.safetensors", &ip);
  model = swin_model_load (model_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->version, ==, 2);

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_v2_frames);
  tcase_add_test (tc, test_v2_regions);
  tcase_add_test (tc, test_v2_shared);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, element_v2_suite, "swinclassify-v2", __FILE__);

  swin_model_free (model);
  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}

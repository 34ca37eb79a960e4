/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the element tests (header-only: each test is one
 * program): models in a temporary directory, the element and its input
 * frames, the suite's main(), the core's answer for a video buffer (from
 * the CPU preprocessing reference and the CPU forward) and the comparison
 * of an element result with it. */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>

#include "gstswinmeta.h"
#include "gstswinvideo.h"
#include "swin/swin.h"
#include "swin/swin_preprocess.h"

/* Softmax probabilities [num_classes] of @model for the region @rect
 * (NULL: the whole frame) of the frame in @buf described by @info, fitted
 * with @scale_mode, from the core's CPU preprocessing and CPU forward; the
 * frame and its colours are read with the element's own mapping
 * (gstswinvideo.h).  g_free() them. */
static inline float *
swin_gst_test_core_region_probs (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
                                 const SwinRect *rect, SwinScaleMode scale_mode)
{
  const SwinArch *arch = swin_model_get_arch (model);
  gint size = arch->img_size;
  GstVideoFrame vf;
  SwinFrame f;
  SwinPreprocessParams base, p;
  float *input = g_new (float, 3 * size * size);
  float *probs = g_new (float, arch->num_classes);
  GError *error = NULL;

  swin_preprocess_params_init (&base);
  swin_model_get_normalization (model, base.mean, base.std);
  base.scale_mode = scale_mode;
  gst_swin_video_params_from_info (info, &base, &p);
  fail_unless (gst_video_frame_map (&vf, info, buf, GST_MAP_READ));
  fail_unless (gst_swin_video_frame_describe (&vf, &f));
  fail_unless (swin_cpu_preprocess_region (&f, rect, &p, size, size, input, &error), "%s",
               error ? error->message : "");
  gst_video_frame_unmap (&vf);
  fail_unless (swin_cpu_forward (model, input, 1, size, size, probs, &error), "%s",
               error ? error->message : "");
  swin_softmax (probs, arch->num_classes);
  g_free (input);
  return probs;
}

/* The same for the whole frame. */
static inline float *
swin_gst_test_core_probs (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
                          SwinScaleMode scale_mode)
{
  return swin_gst_test_core_region_probs (model, buf, info, NULL, scale_mode);
}

/* The result @s (an element's meta or message, or a region's
 * "classification") lists the same top classes with the same scores as the
 * core on @rect (NULL: the whole frame) of @buf with @scale_mode. */
static inline void
swin_gst_test_check_region_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                                   const GstVideoInfo *info, const SwinRect *rect,
                                   SwinScaleMode scale_mode)
{
  gint classes = swin_model_get_arch (model)->num_classes;
  guint n = gst_swin_result_get_n_classes (s);
  float *probs = swin_gst_test_core_region_probs (model, buf, info, rect, scale_mode);
  int *top = g_new (int, classes);

  fail_unless (n > 0 && n <= (guint) classes);
  swin_topk (probs, classes, (int) n, top);
  for (guint i = 0; i < n; i++) {
    gint id;
    gdouble score;

    fail_unless (gst_swin_result_get_class (s, i, &id, NULL, &score));
    fail_unless (id >= 0 && id < classes);
    /* Same class, or a tie closer than the two forwards can resolve. */
    fail_unless (id == top[i] || fabsf (probs[id] - probs[top[i]]) < 1e-5f,
                 "rank %u: element class %d, core class %d", i, id, top[i]);
    fail_unless (fabs (score - probs[top[i]]) < 1e-4, "rank %u: element %g, core %g", i, score,
                 probs[top[i]]);
  }
  g_free (top);
  g_free (probs);
}

static inline void
swin_gst_test_check_result_scaled (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                                   const GstVideoInfo *info, SwinScaleMode scale_mode)
{
  swin_gst_test_check_region_result (s, model, buf, info, NULL, scale_mode);
}

/* The same with the element's default scale mode (center-crop). */
static inline void
swin_gst_test_check_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                            const GstVideoInfo *info)
{
  swin_gst_test_check_result_scaled (s, model, buf, info, SWIN_SCALE_CENTER_CROP);
}

/* Writes a random model @ip to @dir/@name; returns its path (g_free() it). */
static inline gchar *
swin_gst_test_write_model (const gchar *dir, const gchar *name, const SwinInitParams *ip)
{
  gchar *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_assert_true (swin_model_init_random (ip, path, &error));
  g_assert_no_error (error);
  return path;
}

/* A (floating) swinclassify on @model_path and the device of
 * SWIN_TEST_DEVICE, then the NULL-terminated property list @first_property
 * and @args. */
static inline GstElement *
swin_gst_test_new_element_valist (const gchar *model_path, const gchar *first_property, va_list args)
{
  GstElement *e = gst_element_factory_make ("swinclassify", NULL);

  fail_unless (e != NULL, "swinclassify not found");
  g_object_set (e, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"), NULL);
  if (first_property)
    g_object_set_valist (G_OBJECT (e), first_property, args);
  return e;
}

/* The launch line of a cascade of two region classifiers on the device of
 * SWIN_TEST_DEVICE: "swinclassify model=@first inference-region=roi-list
 * @first_props ! swinclassify model=@second ... @second_props"; g_free() it. */
static inline gchar *
swin_gst_test_cascade_launch (const gchar *first, const gchar *first_props, const gchar *second,
                              const gchar *second_props)
{
  const gchar *device = g_getenv ("SWIN_TEST_DEVICE");

  return g_strdup_printf ("swinclassify model=\"%s\" device=\"%s\" inference-region=roi-list %s ! "
                          "swinclassify model=\"%s\" device=\"%s\" inference-region=roi-list %s",
                          first, device, first_props, second, device, second_props);
}

/* Starting @e (taken) fails with an error message containing @expect. */
static inline void
swin_gst_test_expect_start_error (GstElement *e, const gchar *expect)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for \"%s\"", expect);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, expect) != NULL, "\"%s\" does not contain \"%s\"",
               error->message, expect);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

/* A buffer of random bytes for @caps_str, timestamped as frame @n at 30 fps. */
static inline GstBuffer *
swin_gst_test_make_frame (const gchar *caps_str, guint n, guint32 seed)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  GRand *r = g_rand_new_with_seed (seed);

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) g_rand_int_range (r, 0, 256);
  gst_buffer_unmap (buf, &map);
  g_rand_free (r);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (n, GST_SECOND, 30);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1, GST_SECOND, 30);
  return buf;
}

/* The body of a test's main(): runs the suite of @make_suite as @name
 * (@file: the test's source, for the check report); the failure count. */
static inline int
swin_gst_test_run (int *argc, char ***argv, Suite *(*make_suite) (void), const gchar *name,
                   const gchar *file)
{
  gst_check_init (argc, argv);
  return gst_check_run_suite (make_suite (), name, file);
}

/* Deletes and frees the files of the NULL-terminated list after @dir,
 * then the directory @dir itself, and frees it. */
static inline void swin_gst_test_remove_dir (gchar *dir, ...) G_GNUC_NULL_TERMINATED;

static inline void
swin_gst_test_remove_dir (gchar *dir, ...)
{
  va_list args;
  gchar *path;

  va_start (args, dir);
  while ((path = va_arg (args, gchar *)) != NULL) {
    g_unlink (path);
    g_free (path);
  }
  va_end (args);
  g_rmdir (dir);
  g_free (dir);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_video.h"

#include <gst/check/gstcheck.h>
#include <math.h>

#include "gstswinmeta.h"
#include "gstswinvideo.h"
#include "swin/swin_cpu.h"
#include "swin_test_floats.h"

GstBuffer *
swin_test_make_frame (const gchar *caps_str, guint n, guint32 seed)
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

/* The CPU forward on the CPU preprocessing of @rect of @buf: logits and
 * pooled features (either may be NULL). */
static void
core_forward (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
              const SwinRect *rect, SwinScaleMode scale_mode, float *logits, float *features)
{
  const SwinArch *arch = swin_model_get_arch (model);
  gint size = arch->img_size;
  GstVideoFrame vf;
  SwinFrame f;
  SwinPreprocessParams base, p;
  float *input = g_new (float, 3 * size * size);
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
  fail_unless (swin_cpu_forward_full (model, input, 1, size, size, logits, features, &error), "%s",
               error ? error->message : "");
  g_free (input);
}

float *
swin_test_core_region_probs (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
                             const SwinRect *rect, SwinScaleMode scale_mode)
{
  const SwinArch *arch = swin_model_get_arch (model);
  float *probs = g_new (float, arch->num_classes);

  core_forward (model, buf, info, rect, scale_mode, probs, NULL);
  swin_softmax (probs, arch->num_classes);
  return probs;
}

void
swin_test_check_features (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                          const GstVideoInfo *info, const SwinRect *rect, SwinScaleMode scale_mode)
{
  guint n = SWIN_ARCH_NUM_FEATURES (swin_model_get_arch (model)), length = 0;
  const gfloat *got = gst_swin_features_get_values (s, &length);
  float *want = g_new (float, n);
  float diff, bound;

  fail_unless (got != NULL, "malformed features structure %" GST_PTR_FORMAT, s);
  fail_unless_equals_int (length, n);
  core_forward (model, buf, info, rect, scale_mode, NULL, want);
  /* The tolerance of the core's own Vulkan-against-CPU tests. */
  diff = swin_test_max_diff (got, want, n);
  bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (want, n));
  fail_unless (diff <= bound, "features differ from the core's by %g (bound %g)", diff, bound);
  /* A vector that is all zeros or constant would say nothing. */
  fail_unless (swin_test_max_abs (want, n) > 0.1f);
  g_free (want);
}

float *
swin_test_core_probs (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
                      SwinScaleMode scale_mode)
{
  return swin_test_core_region_probs (model, buf, info, NULL, scale_mode);
}

void
swin_test_check_region_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                               const GstVideoInfo *info, const SwinRect *rect,
                               SwinScaleMode scale_mode)
{
  gint classes = swin_model_get_arch (model)->num_classes;
  guint n = gst_swin_result_get_n_classes (s);
  float *probs = swin_test_core_region_probs (model, buf, info, rect, scale_mode);
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

void
swin_test_check_result_scaled (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                               const GstVideoInfo *info, SwinScaleMode scale_mode)
{
  swin_test_check_region_result (s, model, buf, info, NULL, scale_mode);
}

void
swin_test_check_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                        const GstVideoInfo *info)
{
  swin_test_check_result_scaled (s, model, buf, info, SWIN_SCALE_CENTER_CROP);
}

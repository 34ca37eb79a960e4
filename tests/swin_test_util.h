/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the core tests (header-only: each test is one program). */
#pragma once

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "swin/swin.h"

/* The device the suite runs on: SWIN_TEST_DEVICE (set by the meson test env
 * for lavapipe), else the default device.  Without any Vulkan device at all
 * (and no device requested) the program exits 77, which meson reports as a
 * skip; with a requested device, failing to open it is a test failure.
 * Its reports go to @log_func (NULL: dropped). */
static inline SwinContext *
swin_test_context_with_log (SwinLogFunc log_func, void *log_data)
{
  const char *want = g_getenv ("SWIN_TEST_DEVICE");
  GError *error = NULL;
  SwinContextParams params;
  SwinContext *ctx;

  swin_context_params_init (&params);
  params.device = want;
  params.log_func = log_func;
  params.log_data = log_data;
  ctx = swin_context_new (&params, &error);

  if (!ctx) {
    if (!want && g_error_matches (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE)) {
      g_printerr ("no Vulkan device: %s\n", error->message);
      exit (77);
    }
    g_error ("cannot open Vulkan device: %s", error->message);
  }
  return ctx;
}

static inline SwinContext *
swin_test_context (void)
{
  return swin_test_context_with_log (NULL, NULL);
}

static inline void
swin_test_fill (float *x, size_t n, guint32 seed, float scale)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (size_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, -1.0, 1.0) * scale;
  g_rand_free (r);
}

static inline float
swin_test_max_abs (const float *x, size_t n)
{
  float m = 0;
  for (size_t i = 0; i < n; i++)
    m = fmaxf (m, fabsf (x[i]));
  return m;
}

/* max |a - b|; NaN anywhere counts as infinitely far. */
static inline float
swin_test_max_diff (const float *a, const float *b, size_t n)
{
  float m = 0;
  for (size_t i = 0; i < n; i++) {
    float d = fabsf (a[i] - b[i]);
    if (isnan (d))
      return INFINITY;
    m = fmaxf (m, d);
  }
  return m;
}

static inline float *
swin_test_read_file (const char *path, size_t expect_floats)
{
  gchar *data = NULL;
  gsize len = 0;
  GError *error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  g_assert_cmpuint (len, ==, expect_floats * sizeof (float));
  return (float *) data;
}

/* A frame of random pixels with its own memory; rows padded by @pad bytes. */
typedef struct {
  SwinFrame f;
  guint8 *mem[3];
} SwinTestFrame;

static inline void
swin_test_frame_init (SwinTestFrame *t, SwinPixelFormat format, int w, int h, int pad, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);

  memset (t, 0, sizeof (*t));
  t->f.format = format;
  t->f.width = w;
  t->f.height = h;
  for (int p = 0; p < swin_pixel_format_n_planes (format); p++) {
    size_t row;
    int rows;

    swin_pixel_format_plane_size (format, p, w, h, &row, &rows);
    t->f.stride[p] = row + pad;
    t->mem[p] = g_malloc (t->f.stride[p] * rows);
    for (size_t i = 0; i < t->f.stride[p] * rows; i++)
      t->mem[p][i] = (guint8) g_rand_int_range (r, 0, 256);
    t->f.data[p] = t->mem[p];
  }
  g_rand_free (r);
}

static inline void
swin_test_frame_clear (SwinTestFrame *t)
{
  for (int p = 0; p < 3; p++)
    g_free (t->mem[p]);
}

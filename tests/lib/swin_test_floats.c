/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_floats.h"

#include <math.h>

void
swin_test_fill (float *x, size_t n, guint32 seed, float scale)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (size_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, -1.0, 1.0) * scale;
  g_rand_free (r);
}

float
swin_test_max_abs (const float *x, size_t n)
{
  float m = 0;
  for (size_t i = 0; i < n; i++)
    m = fmaxf (m, fabsf (x[i]));
  return m;
}

float
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

float *
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

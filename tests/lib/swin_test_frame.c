/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_frame.h"

#include <string.h>

void
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

void
swin_test_frame_clear (SwinTestFrame *t)
{
  for (int p = 0; p < 3; p++)
    g_free (t->mem[p]);
}

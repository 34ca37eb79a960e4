/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Swin V2's continuous position bias on the host. */
#include "swin_cpb.h"
#include "swin_model_private.h"

#include <math.h>

static float
log_spaced (int d, int norm)
{
  /* in float, as PyTorch computes the buffer */
  float t = norm > 1 ? (float) d / (float) (norm - 1) * 8.0f : 0.0f;

  return (t > 0.0f ? 1.0f : t < 0.0f ? -1.0f : 0.0f) * log2f (fabsf (t) + 1.0f) / 3.0f;
}

void
swin_cpb_coords (int M, int norm, float *coords)
{
  const int side = 2 * M - 1;

  for (int i = 0; i < side; i++)
    for (int j = 0; j < side; j++) {
      coords[(i * side + j) * 2] = log_spaced (i - (M - 1), norm);
      coords[(i * side + j) * 2 + 1] = log_spaced (j - (M - 1), norm);
    }
}

void
swin_cpb_table (const float *coords, int M, int heads, const float *w1, const float *b1,
                const float *w2, float *table)
{
  const int rows = (2 * M - 1) * (2 * M - 1);
  float hidden[SWIN_CPB_HIDDEN];

  for (int r = 0; r < rows; r++) {
    const float *c = coords + 2 * r;

    for (int k = 0; k < SWIN_CPB_HIDDEN; k++) {
      float v = w1[2 * k] * c[0] + w1[2 * k + 1] * c[1] + b1[k];
      hidden[k] = v > 0.0f ? v : 0.0f;
    }
    for (int h = 0; h < heads; h++) {
      double acc = 0;
      for (int k = 0; k < SWIN_CPB_HIDDEN; k++)
        acc += (double) w2[(size_t) h * SWIN_CPB_HIDDEN + k] * hidden[k];
      table[(size_t) r * heads + h] = (float) (16.0 / (1.0 + exp (-acc)));
    }
  }
}

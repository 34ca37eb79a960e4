/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scores to results: softmax and the top k. */
#include "swin/swin_model.h"

#include <math.h>

/* TRUE when value @a (at index @ia) ranks before @b (at @ib): larger first,
 * NaN after every number, ties broken by the lower index. */
static gboolean
ranks_before (float a, int ia, float b, int ib)
{
  if (isnan (a) != isnan (b))
    return !isnan (a);
  if (!isnan (a) && a != b)
    return a > b;
  return ia < ib;
}

void
swin_topk (const float *values, int n, int k, int *indices)
{
  int filled = 0;

  if (k > n)
    k = n;
  if (k <= 0)
    return;

  /* Insertion into a sorted list of k: k is small (top-5 of 1000 classes). */
  for (int i = 0; i < n; i++) {
    int pos = filled;

    while (pos > 0 && ranks_before (values[i], i, values[indices[pos - 1]], indices[pos - 1]))
      pos--;
    if (pos >= k)
      continue;
    for (int m = MIN (filled, k - 1); m > pos; m--)
      indices[m] = indices[m - 1];
    indices[pos] = i;
    if (filled < k)
      filled++;
  }
}

void
swin_softmax (float *values, int n)
{
  float max;
  double sum = 0.0;

  if (n <= 0)
    return;

  /* Subtracting the maximum keeps every exp() in (0, 1]: no overflow. */
  max = values[0];
  for (int i = 1; i < n; i++)
    max = MAX (max, values[i]);
  for (int i = 0; i < n; i++) {
    values[i] = expf (values[i] - max);
    sum += values[i];
  }
  for (int i = 0; i < n; i++)
    values[i] = (float) (values[i] / sum);
}

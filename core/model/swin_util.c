/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error domain and small helpers shared by the library and its users. */
#include "swin/swin_model.h"

#include <math.h>
#include <string.h>

GQuark
swin_error_quark (void)
{
  return g_quark_from_static_string ("swin-error-quark");
}

const char *
swin_layout_name (SwinLayout layout)
{
  switch (layout) {
    case SWIN_LAYOUT_TORCHVISION:
      return "torchvision";
    case SWIN_LAYOUT_ORIGINAL:
      return "original";
    case SWIN_LAYOUT_TIMM:
      return "timm";
  }
  return "unknown";
}

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

gboolean
swin_arch_check_size (const SwinArch *arch, int height, int width, GError **error)
{
  int multiple;

  g_return_val_if_fail (arch != NULL, FALSE);
  g_return_val_if_fail (arch->num_stages >= 1 && arch->num_stages <= SWIN_MAX_STAGES, FALSE);

  /* Every patch merging halves the grid, so the input must split into
   * patches that survive num_stages - 1 halvings. */
  multiple = arch->patch_size << (arch->num_stages - 1);
  if (height <= 0 || width <= 0 || height % multiple != 0 || width % multiple != 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "input size %dx%d is not a positive multiple of %d "
                 "(patch size %d, %d stages)",
                 height, width, multiple, arch->patch_size, arch->num_stages);
    return FALSE;
  }
  if (arch->ape && (height != arch->img_size || width != arch->img_size)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "input size %dx%d does not match the model's absolute position "
                 "embedding, which requires %dx%d",
                 height, width, arch->img_size, arch->img_size);
    return FALSE;
  }
  return TRUE;
}

gboolean
swin_parse_floats (const char *text, float *out, int n)
{
  char *copy, *p, **parts;
  gboolean ok;

  if (text == NULL || n < 1)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  p = copy;
  if ((*p == '[' && p[strlen (p) - 1] == ']') || (*p == '(' && p[strlen (p) - 1] == ')')) {
    p[strlen (p) - 1] = '\0';
    p++;
  }
  parts = g_strsplit (p, ",", -1);
  ok = g_strv_length (parts) == (guint) n;
  for (int i = 0; ok && i < n; i++) {
    char *end;
    double v = g_ascii_strtod (g_strstrip (parts[i]), &end);

    out[i] = (float) v;
    ok = end != parts[i] && *end == '\0' && isfinite (out[i]);
  }
  g_strfreev (parts);
  g_free (copy);
  return ok;
}

gboolean
swin_check_normalization (const float mean[3], const float std[3], GError **error)
{
  for (int c = 0; c < 3; c++) {
    if (!(isfinite (mean[c]) && fabsf (mean[c]) <= 1000.0f && std[c] >= 1e-4f && std[c] <= 1000.0f)) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                   "channel %d: mean %g / std %g out of range (|mean| <= 1000, 1e-4 <= std <= 1000)",
                   c, mean[c], std[c]);
      return FALSE;
    }
  }
  return TRUE;
}

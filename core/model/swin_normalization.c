/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Normalisation constants (mean, std): parsing and range. */
#include "swin/swin_model.h"

#include <math.h>
#include <string.h>

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The values of the `swin` tool's options: the one parser of every number,
 * size, list and name a subcommand takes, each refusing overflow, signs,
 * other bases and trailing characters with a message that names the option
 * and the value. */
#include "swin_cli.h"

#include <swin/swin_model.h>

#include <string.h>

/* Decimal digits only, in [@min, @max]: g_ascii_string_to_unsigned()
 * refuses signs, spaces, an empty text, trailing characters and overflow
 * (GOption's own integers read "010" as octal 8 and "0x10" as 16). */
static gboolean
parse_decimal (const char *text, guint64 min, guint64 max, guint64 *out)
{
  return g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

static gboolean
set_invalid (GError **error, const char *option, const char *text, const char *expected)
{
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "invalid %s '%s': expected %s", option, text,
               expected);
  return FALSE;
}

gboolean
swin_cli_parse_uint64 (const char *option, const char *text, guint64 min, guint64 max, guint64 *out,
                       GError **error)
{
  char *expected;

  if (text == NULL || parse_decimal (text, min, max, out))
    return TRUE;
  expected = g_strdup_printf ("an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, min, max);
  set_invalid (error, option, text, expected);
  g_free (expected);
  return FALSE;
}

gboolean
swin_cli_parse_int (const char *option, const char *text, int min, int max, int *out, GError **error)
{
  guint64 v;

  g_return_val_if_fail (min >= 0 && min <= max, FALSE);
  if (text == NULL)
    return TRUE;
  if (!swin_cli_parse_uint64 (option, text, (guint64) min, (guint64) max, &v, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

gboolean
swin_cli_parse_size (const char *option, const char *text, const char *form, int max, int *first,
                     int *second, GError **error)
{
  const char *x;
  char *head;
  guint64 a, b;
  gboolean ok;

  if (text == NULL)
    return TRUE;
  x = strchr (text, 'x');
  head = x != NULL ? g_strndup (text, x - text) : NULL;
  /* a second 'x' or anything after the digits fails the second number */
  ok = head != NULL && parse_decimal (head, 1, (guint64) max, &a) &&
       parse_decimal (x + 1, 1, (guint64) max, &b);
  g_free (head);
  if (!ok) {
    char *expected = g_strdup_printf ("%s, each from 1 to %d", form, max);

    set_invalid (error, option, text, expected);
    g_free (expected);
    return FALSE;
  }
  *first = (int) a;
  *second = (int) b;
  return TRUE;
}

gboolean
swin_cli_parse_floats (const char *option, const char *text, float *out, int n, GError **error)
{
  char *expected;

  /* the core's parser: the element's mean/std properties take the same text */
  if (text == NULL || swin_parse_floats (text, out, n))
    return TRUE;
  expected = g_strdup_printf ("%d comma-separated numbers, each finite as a float", n);
  set_invalid (error, option, text, expected);
  g_free (expected);
  return FALSE;
}

gboolean
swin_cli_parse_ints (const char *option, const char *text, int min, int max, int **values, int *n,
                     GError **error)
{
  char **items;
  guint count;
  int *parsed;
  gboolean ok;

  g_return_val_if_fail (text != NULL && min >= 0 && min <= max, FALSE);
  items = g_strsplit (text, ",", -1);
  count = g_strv_length (items);
  parsed = g_new (int, MAX (count, 1));
  /* "" splits into no item; "1,,2" and "1," into an empty one */
  ok = count > 0;
  for (guint i = 0; ok && i < count; i++) {
    guint64 v;

    ok = parse_decimal (items[i], (guint64) min, (guint64) max, &v);
    parsed[i] = (int) v;
  }
  g_strfreev (items);
  if (!ok) {
    char *expected = g_strdup_printf ("comma-separated integers, each from %d to %d", min, max);

    set_invalid (error, option, text, expected);
    g_free (expected);
    g_free (parsed);
    return FALSE;
  }
  *values = parsed;
  *n = (int) count;
  return TRUE;
}

gboolean
swin_cli_parse_choice (const char *option, const char *text, const char *const *names, int *index,
                       GError **error)
{
  char *list;

  if (text == NULL)
    return TRUE;
  for (int i = 0; names[i] != NULL; i++) {
    if (strcmp (text, names[i]) == 0) {
      *index = i;
      return TRUE;
    }
  }
  list = g_strjoinv (", ", (char **) names);
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown %s '%s': expected one of %s", option,
               text, list);
  g_free (list);
  return FALSE;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_model.h"

#include <glib/gstdio.h>
#include <stdarg.h>

gchar *
swin_test_write_model (const gchar *dir, const gchar *name, const SwinInitParams *ip)
{
  gchar *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  gboolean written = swin_model_init_random (ip, path, &error);

  /* The error first: its message says why. */
  g_assert_no_error (error);
  g_assert_true (written);
  return path;
}

SwinModel *
swin_test_make_model (const gchar *dir, const gchar *name, const SwinInitParams *ip)
{
  gchar *path = swin_test_write_model (dir, name, ip);
  GError *error = NULL;
  SwinModel *model = swin_model_load (path, &error);

  g_assert_no_error (error);
  g_unlink (path);
  g_free (path);
  return model;
}

void
swin_test_remove_dir (gchar *dir, ...)
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

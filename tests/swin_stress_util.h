/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the stand-alone stress programs (soak, stress-cycles;
 * header-only: each is one program): the model in a temporary directory,
 * the pipeline with its swinclassify named "c", and the process's RSS. */
#pragma once

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "swin/swin.h"

/* VmRSS of this process in KiB, or -1. */
static inline glong
swin_stress_read_rss_kib (void)
{
  gchar *status = NULL, *line;
  glong kib = -1;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  if ((line = strstr (status, "\nVmRSS:")))
    kib = strtol (line + strlen ("\nVmRSS:"), NULL, 10);
  g_free (status);
  return kib;
}

/* Writes the random model @ip as @name in a new temporary directory made
 * from @dir_template (*@dir, g_free() it); its path, or NULL after printing
 * the error. */
static inline gchar *
swin_stress_write_model (const gchar *dir_template, const gchar *name, const SwinInitParams *ip,
                         gchar **dir)
{
  GError *error = NULL;
  gchar *model;

  *dir = g_dir_make_tmp (dir_template, &error);
  g_assert_no_error (error);
  model = g_build_filename (*dir, name, NULL);
  if (!swin_model_init_random (ip, model, &error)) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    g_free (model);
    return NULL;
  }
  return model;
}

/* The pipeline of @launch (freed here), and in *@classify its element "c"
 * on the device of SWIN_TEST_DEVICE; NULL after printing the error. */
static inline GstElement *
swin_stress_launch (gchar *launch, GstElement **classify)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (launch, &error);

  g_free (launch);
  if (!pipeline) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    return NULL;
  }
  *classify = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  if (g_getenv ("SWIN_TEST_DEVICE"))
    g_object_set (*classify, "device", g_getenv ("SWIN_TEST_DEVICE"), NULL);
  return pipeline;
}

/* Deletes the model file and its directory, and frees both names. */
static inline void
swin_stress_remove_model (gchar *dir, gchar *model)
{
  g_unlink (model);
  g_rmdir (dir);
  g_free (model);
  g_free (dir);
}

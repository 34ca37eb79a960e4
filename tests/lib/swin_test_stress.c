/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_stress.h"

#include <stdlib.h>
#include <string.h>

glong
swin_test_read_rss_kib (void)
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

GstElement *
swin_test_launch (gchar *launch, GstElement **classify)
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

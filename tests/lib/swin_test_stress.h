/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stand-alone stress programs (soak, stress-cycles): the pipeline with
 * its swinclassify named "c", and the process's RSS. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* VmRSS of this process in KiB, or -1. */
glong swin_test_read_rss_kib (void);

/* The pipeline of @launch (freed here), and in *@classify its element "c"
 * on the device of SWIN_TEST_DEVICE; NULL after printing the error. */
GstElement *swin_test_launch (gchar *launch, GstElement **classify);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish under test: in a harness, with a bus of its own. */
#pragma once

#include <gst/check/gstharness.h>

G_BEGIN_DECLS

/* A harness around a swinpublish with @first_property... (NULL-terminated
 * property/value list), its bus in *@bus (to read its warnings and errors
 * with swin_test_bus.h), started, with SWIN_TEST_RESULT_CAPS on its input
 * and a TIME segment from 0.  Output buffers are kept only with
 * @keep_output. */
GstHarness *swin_test_publish_harness (GstBus **bus, gboolean keep_output,
                                       const gchar *first_property, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS

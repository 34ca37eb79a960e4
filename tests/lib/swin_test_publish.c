/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_publish.h"

#include <gst/check/gstcheck.h>

#include "swin_test_results.h"

GstHarness *
swin_test_publish_harness (GstBus **bus, gboolean keep_output, const gchar *first_property, ...)
{
  GstElement *e = gst_element_factory_make ("swinpublish", "pub");
  GstHarness *h;
  va_list args;

  fail_unless (e != NULL, "swinpublish not found");
  gst_object_ref_sink (e);
  va_start (args, first_property);
  if (first_property)
    g_object_set_valist (G_OBJECT (e), first_property, args);
  va_end (args);
  *bus = gst_bus_new ();
  gst_element_set_bus (e, *bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, SWIN_TEST_RESULT_CAPS);
  if (!keep_output)
    gst_harness_set_drop_buffers (h, TRUE);
  return h;
}

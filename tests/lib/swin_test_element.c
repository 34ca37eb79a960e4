/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_element.h"

#include <string.h>

GstElement *
swin_test_new_element_valist (const gchar *model_path, const gchar *first_property, va_list args)
{
  GstElement *e = gst_element_factory_make ("swinclassify", NULL);

  fail_unless (e != NULL, "swinclassify not found");
  g_object_set (e, "model", model_path, "device", g_getenv ("SWIN_TEST_DEVICE"), NULL);
  if (first_property)
    g_object_set_valist (G_OBJECT (e), first_property, args);
  return e;
}

void
swin_test_expect_start_error (GstElement *e, const gchar *expect)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for \"%s\"", expect);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, expect) != NULL, "\"%s\" does not contain \"%s\"",
               error->message, expect);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

int
swin_test_run_suite (int *argc, char ***argv, Suite *(*make_suite) (void), const gchar *name,
                     const gchar *file)
{
  gst_check_init (argc, argv);
  return gst_check_run_suite (make_suite (), name, file);
}

gchar *
swin_test_cascade_launch (const gchar *first, const gchar *first_props, const gchar *second,
                          const gchar *second_props)
{
  const gchar *device = g_getenv ("SWIN_TEST_DEVICE");

  return g_strdup_printf ("swinclassify model=\"%s\" device=\"%s\" inference-region=roi-list %s ! "
                          "swinclassify model=\"%s\" device=\"%s\" inference-region=roi-list %s",
                          first, device, first_props, second, device, second_props);
}

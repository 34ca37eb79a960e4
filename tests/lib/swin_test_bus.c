/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_bus.h"

#include <string.h>

/* Every error, warning and info message seen on a bus, kept on the bus
 * object: "<type>\t<text>" strings. */
static GPtrArray *
swin_test_bus_record (GstBus *bus)
{
  GPtrArray *record = g_object_get_data (G_OBJECT (bus), "swin-record");

  if (!record) {
    record = g_ptr_array_new_with_free_func (g_free);
    g_object_set_data_full (G_OBJECT (bus), "swin-record", record,
                            (GDestroyNotify) g_ptr_array_unref);
  }
  return record;
}

/* The first recorded message of @types whose text contains @text (NULL:
 * any), from index *@from on; advances *@from past it.  NULL if none. */
static const gchar *
swin_test_bus_find_recorded (GstBus *bus, GstMessageType types, const gchar *text, guint *from)
{
  GPtrArray *record = swin_test_bus_record (bus);

  for (; *from < record->len; (*from)++) {
    const gchar *entry = g_ptr_array_index (record, *from);
    GstMessageType type = (GstMessageType) g_ascii_strtoull (entry, NULL, 10);
    const gchar *msg = strchr (entry, '\t') + 1;

    if ((type & types) && (!text || strstr (msg, text))) {
      (*from)++;
      return msg;
    }
  }
  return NULL;
}

/* Moves the messages now on @bus into its record; waits at most @timeout
 * for the first one if there is none.  Pops every kind and skips the others
 * here: gst_bus_timed_pop_filtered() drops the skipped ones with the bus
 * locked (GStreamer 1.26), and when one holds the last reference to an
 * element, the element's disposal posts on the same bus and deadlocks. */
static void
swin_test_bus_drain (GstBus *bus, GstClockTime timeout)
{
  GstMessageType types = GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_INFO;
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout / GST_USECOND);
  gboolean found = FALSE;
  GstMessage *msg;

  for (;;) {
    gint64 left = found ? 0 : MAX (deadline - g_get_monotonic_time (), 0);
    GError *error = NULL;

    msg = gst_bus_timed_pop (bus, (GstClockTime) left * GST_USECOND);
    if (!msg)
      break;
    if (!(GST_MESSAGE_TYPE (msg) & types)) {
      gst_message_unref (msg);
      continue;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &error, NULL);
    else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      gst_message_parse_warning (msg, &error, NULL);
    else
      gst_message_parse_info (msg, &error, NULL);
    g_ptr_array_add (swin_test_bus_record (bus),
                     g_strdup_printf ("%u\t%s", GST_MESSAGE_TYPE (msg), error->message));
    g_clear_error (&error);
    gst_message_unref (msg);
    found = TRUE;
  }
}

gchar *
swin_test_bus_wait_message (GstBus *bus, GstMessageType types, const gchar *text,
                            GstClockTime timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout / GST_USECOND);
  guint from = 0;

  for (;;) {
    const gchar *found;
    gint64 left;

    swin_test_bus_drain (bus, 0);
    if ((found = swin_test_bus_find_recorded (bus, types, text, &from)))
      return g_strdup (found);
    left = deadline - g_get_monotonic_time ();
    if (left <= 0)
      return NULL;
    swin_test_bus_drain (bus, MIN (left, 50 * 1000) * GST_USECOND);
  }
}

guint
swin_test_bus_count_messages (GstBus *bus, GstMessageType types, const gchar *text)
{
  guint n = 0, from = 0;

  swin_test_bus_drain (bus, 0);
  while (swin_test_bus_find_recorded (bus, types, text, &from))
    n++;
  return n;
}

void
swin_test_bus_free (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

gchar *
swin_test_bus_log (GstBus *bus)
{
  GPtrArray *record = swin_test_bus_record (bus);
  GString *log = g_string_new (NULL);

  swin_test_bus_drain (bus, 0);
  for (guint i = 0; i < record->len; i++)
    g_string_append_printf (log, "  %s\n", strchr (g_ptr_array_index (record, i), '\t') + 1);
  return g_string_free (log, FALSE);
}

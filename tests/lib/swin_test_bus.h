/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error, warning and info messages of a GstBus, recorded as they are
 * popped so that a test can wait for one, count them or print them all. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Waits at most @timeout for a message of @types (errors, warnings, infos)
 * containing @text (NULL: any), already seen or new; a copy of its text, or
 * NULL. */
gchar *swin_test_bus_wait_message (GstBus *bus, GstMessageType types, const gchar *text,
                                   GstClockTime timeout);

/* How many messages of @types containing @text (NULL: any) were posted. */
guint swin_test_bus_count_messages (GstBus *bus, GstMessageType types, const gchar *text);

/* Drops @bus's pending messages (each holds a reference to the element
 * that posted it, which holds the bus) and the caller's reference. */
void swin_test_bus_free (GstBus *bus);

/* All messages seen on @bus, one per line, for failure reports; g_free(). */
gchar *swin_test_bus_log (GstBus *bus);

G_END_DECLS

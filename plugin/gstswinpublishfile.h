/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish's file output: one JSON object per line, to a file or to
 * standard output. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstSwinPublishFile GstSwinPublishFile;

/* Opens (creates or truncates) @path for writing; "-" is standard output.
 * NULL with @error set if it cannot be opened, or if it is a FIFO that no
 * process has open for reading (instead of waiting for one). */
GstSwinPublishFile *gst_swin_publish_file_open (const gchar *path, GError **error);

/* Writes @line (@length bytes, no newline) and a newline, and flushes them
 * to the file so that readers see whole lines.  FALSE with @error set (a
 * G_FILE_ERROR) if the system refused them (e.g. a full disk); a regular
 * file is then cut back to its length before the line, so that it ends
 * with whole lines. */
gboolean gst_swin_publish_file_write_line (GstSwinPublishFile *file, const gchar *line,
                                           gsize length, GError **error);

/* Closes the file (standard output stays open).  FALSE with @error set if
 * the last data could not be written.  Accepts NULL. */
gboolean gst_swin_publish_file_close (GstSwinPublishFile *file, GError **error);

G_END_DECLS

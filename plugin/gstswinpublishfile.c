/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON lines to a file descriptor, with every error reported. */
#include "gstswinpublishfile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _GstSwinPublishFile {
  gchar *path;
  int fd;
  gboolean close_fd;   /* FALSE for standard output */
  gboolean regular;    /* a regular file: a partly written line can be cut off */
};

static void
set_error (GError **error, const gchar *what, const gchar *path, int err)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "Could not %s \"%s\": %s",
               what, path, g_strerror (err));
}

GstSwinPublishFile *
gst_swin_publish_file_open (const gchar *path, GError **error)
{
  GstSwinPublishFile *file;
  struct stat st;
  int fd;

  if (!path || !*path) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "No file path given");
    return NULL;
  }
  if (g_str_equal (path, "-")) {
    fd = STDOUT_FILENO;
  } else {
    /* A blocking open of a FIFO waits for a reader, for ever without one;
     * a non-blocking one fails at once (ENXIO) instead. */
    fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0 && errno == ENXIO) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NXIO,
                   "Could not open for writing \"%s\": it is a FIFO with no reader (start "
                   "the reader first)", path);
      return NULL;
    }
    if (fd < 0) {
      set_error (error, "open for writing", path, errno);
      return NULL;
    }
    /* Writes wait, as to any file, while a reader lets the pipe fill up. */
    if (fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK) != 0) {
      set_error (error, "open for writing", path, errno);
      close (fd);
      return NULL;
    }
  }
  file = g_new0 (GstSwinPublishFile, 1);
  file->path = g_strdup (path);
  file->fd = fd;
  file->close_fd = fd != STDOUT_FILENO;
  file->regular = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
  return file;
}

/* write() until everything is out: one line in one call where the system
 * allows, so that lines from several writers to one pipe stay whole. */
static gboolean
write_all (GstSwinPublishFile *file, const gchar *data, gsize length, GError **error)
{
  while (length > 0) {
    gssize n = write (file->fd, data, length);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      set_error (error, "write to", file->path, errno);
      return FALSE;
    }
    data += n;
    length -= (gsize) n;
  }
  return TRUE;
}

gboolean
gst_swin_publish_file_write_line (GstSwinPublishFile *file, const gchar *line, gsize length,
                                  GError **error)
{
  gchar *buf = g_malloc (length + 1);
  off_t start = file->regular ? lseek (file->fd, 0, SEEK_CUR) : -1;
  gboolean ok;

  memcpy (buf, line, length);
  buf[length] = '\n';
  ok = write_all (file, buf, length + 1, error);
  g_free (buf);
  /* A write cut short (a full disk, a file size limit) would leave half a
   * line that no reader can parse: cut it off, so that the file ends with
   * whole lines (the error is already set; this is best effort). */
  if (!ok && start >= 0 && ftruncate (file->fd, start) == 0)
    lseek (file->fd, start, SEEK_SET);
  return ok;
}

gboolean
gst_swin_publish_file_close (GstSwinPublishFile *file, GError **error)
{
  gboolean ok = TRUE;

  if (!file)
    return TRUE;
  /* Some file systems (NFS) report a failed write only at close. */
  if (file->close_fd && close (file->fd) != 0) {
    set_error (error, "finish writing", file->path, errno);
    ok = FALSE;
  }
  g_free (file->path);
  g_free (file);
  return ok;
}

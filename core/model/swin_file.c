/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening the files that users name (checkpoints, label files, inputs,
 * outputs): regular files only.  A FIFO would block open() or read() until
 * some other process writes to it, and a device such as /dev/zero never
 * ends; both must fail at once with a message naming the path. */
#include "swin_file.h"
#include "swin/swin_model.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void
set_not_regular (const char *path, GError **error)
{
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "%s is not a regular file", path);
}

int
swin_file_open (const char *path, int flags, GError **error)
{
  struct stat st;
  int fd;

  /* Ask first, so that a device is not even opened (opening one can have
   * side effects)... */
  if (stat (path, &st) == 0 && !S_ISREG (st.st_mode)) {
    set_not_regular (path, error);
    return -1;
  }
  /* ... then open without blocking (a FIFO swapped in meanwhile would wait
   * for a writer) and decide on what was opened, not on the path again. */
  fd = open (path, flags | O_NONBLOCK | O_CLOEXEC, 0666);
  if (fd < 0) {
    int err = errno;

    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot %s %s: %s",
                 (flags & O_CREAT) ? "create" : "open", path, g_strerror (err));
    return -1;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    set_not_regular (path, error);
    return -1;
  }
  return fd;
}

gboolean
swin_file_get_contents (const char *path, gsize max_bytes, char **contents, gsize *length,
                        GError **error)
{
  struct stat st;
  char *data;
  gsize done = 0;
  int fd;

  fd = swin_file_open (path, O_RDONLY, error);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0) {
    int err = errno;

    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot read %s: %s", path, g_strerror (err));
    close (fd);
    return FALSE;
  }
  if ((guint64) st.st_size > max_bytes) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO,
                 "%s is %" G_GUINT64_FORMAT " bytes, more than the %" G_GSIZE_FORMAT " allowed",
                 path, (guint64) st.st_size, max_bytes);
    close (fd);
    return FALSE;
  }
  data = g_try_malloc ((gsize) st.st_size + 1);
  if (data == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory reading %s", path);
    close (fd);
    return FALSE;
  }
  /* The size seen by fstat() is what is read: a file growing meanwhile
   * cannot push the total past @max_bytes. */
  while (done < (gsize) st.st_size) {
    ssize_t n = read (fd, data + done, (gsize) st.st_size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;

      g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot read %s: %s", path, g_strerror (err));
      g_free (data);
      close (fd);
      return FALSE;
    }
    if (n == 0)
      break;
    done += (gsize) n;
  }
  close (fd);
  data[done] = '\0';
  *contents = data;
  if (length)
    *length = done;
  return TRUE;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening files that users name (internal to core; see swin_file.c). */
#pragma once

#include <glib.h>

/* Opens @path with open(2) @flags (plus O_NONBLOCK and O_CLOEXEC) and
 * returns the descriptor, or -1 with SWIN_ERROR_IO when it cannot be opened
 * or is not a regular file (a FIFO, a device, a directory).  With O_CREAT
 * the file is created with mode 0666 & ~umask. */
int swin_file_open (const char *path, int flags, GError **error);

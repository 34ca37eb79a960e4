/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The core's one log sink: a process-wide handler, set by the application. */
#include "swin_log.h"

#include <stdarg.h>

static GMutex log_lock;
static SwinLogFunc log_func;
static void *log_data;

void
swin_set_log_handler (SwinLogFunc func, void *user_data)
{
  g_mutex_lock (&log_lock);
  log_func = func;
  log_data = user_data;
  g_mutex_unlock (&log_lock);
}

void
swin_log (SwinLogLevel level, const char *format, ...)
{
  SwinLogFunc func;
  void *data;
  char *message;
  va_list args;

  g_mutex_lock (&log_lock);
  func = log_func;
  data = log_data;
  g_mutex_unlock (&log_lock);
  if (func == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  func (level, message, data);
  g_free (message);
}

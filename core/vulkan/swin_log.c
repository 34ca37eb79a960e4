/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each context's log: the handler given at swin_context_new(), fixed for the
 * context's life (so read without a lock). */
#include "swin_log.h"
#include "swin_context.h"

#include <stdarg.h>

void
swin_log (SwinContext *ctx, SwinLogLevel level, const char *format, ...)
{
  char *message;
  va_list args;

  if (ctx->log_func == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  ctx->log_func (level, message, ctx->log_data);
  g_free (message);
}

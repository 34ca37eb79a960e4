/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports through the log handler of the context they concern (internal to
 * core; SwinContextParams.log_func). */
#pragma once

#include "swin/swin_vulkan.h"

/* Formats and passes one message to @ctx's handler, if any (cheap otherwise). */
void swin_log (SwinContext *ctx, SwinLogLevel level, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports through the handler of swin_set_log_handler() (internal to core). */
#pragma once

#include "swin/swin_model.h"

/* Formats and passes one message to the handler, if any (cheap otherwise). */
void swin_log (SwinLogLevel level, const char *format, ...) G_GNUC_PRINTF (2, 3);

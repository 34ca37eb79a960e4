/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Vulkan device a test program runs on. */
#pragma once

#include "swin/swin_vulkan.h"

G_BEGIN_DECLS

/* The device the suite runs on: SWIN_TEST_DEVICE (set by the meson test env
 * for lavapipe), else the default device.  Without any Vulkan device at all
 * (and no device requested) the program exits 77, which meson reports as a
 * skip; with a requested device, failing to open it is a test failure.
 * Its reports go to @log_func (NULL: dropped). */
SwinContext *swin_test_context_with_log (SwinLogFunc log_func, void *log_data);
/* The same with @params' options (its device is set from SWIN_TEST_DEVICE). */
SwinContext *swin_test_context_with_params (SwinContextParams *params);
/* The same, its reports dropped. */
SwinContext *swin_test_context (void);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device-side preprocessing internals for the tests (internal to core). */
#pragma once

#include "swin/swin_vulkan.h"
#include "vk_memory.h"

/* Like swin_preprocessor_new(), but writing @slots images of @out_h x @out_w
 * into @out (float32 NCHW from offset 0) instead of a plan's input, so that
 * tests can read them back; swin_preprocessor_run() then submits only the
 * preprocessing. */
SwinPreprocessor *swin_preprocessor_new_for_buffer (SwinContext *ctx, SwinBuffer *out, int out_h,
                                                    int out_w, int slots, GError **error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device-side preprocessing internals for the runner and the tests
 * (internal to core). */
#pragma once

#include "swin/swin_vulkan.h"
#include "swin_buffer.h"

/* Like swin_preprocessor_new(), but writing @slots images of @out_h x @out_w
 * into @out (float32 NCHW from offset 0) instead of a plan's input, so that
 * tests can read them back; swin_preprocessor_run() then submits only the
 * preprocessing. */
SwinPreprocessor *swin_preprocessor_new_for_buffer (SwinContext *ctx, SwinBuffer *out, int out_h,
                                                    int out_w, int slots, GError **error);

/* swin_preprocessor_add_frame() for a frame already checked with
 * swin_preprocess_check(): the runner checks each request once. */
int swin_preprocessor_upload_frame (SwinPreprocessor *pp, const SwinFrame *frame, GError **error);
/* swin_preprocessor_add_image() for a rectangle and parameters already
 * checked, into a batch with a free slot. */
void swin_preprocessor_put_image (SwinPreprocessor *pp, int frame_index, const SwinRect *rect,
                                  const SwinPreprocessParams *params);
/* Images added since the last run. */
int swin_preprocessor_get_n_images (const SwinPreprocessor *pp);
/* Frames copied into the upload buffer, and their bytes, since the
 * preprocessor was made. */
void swin_preprocessor_get_uploads (const SwinPreprocessor *pp, guint64 *frames, guint64 *bytes);

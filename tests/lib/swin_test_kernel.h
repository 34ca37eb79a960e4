/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the tests of single kernels share: forcing a variant and checking it
 * was recorded, host-visible buffers, one-shot command buffers, the
 * comparison with a CPU twin, and fp16 rounding. */
#pragma once

#include "swin_op.h"

G_BEGIN_DECLS

/* Forces @variant of @op on @ctx for the test that follows (NULL: back to
 * the automatic choice). */
void swin_test_force (SwinContext *ctx, SwinOp op, const char *variant);

/* After recording @op (@ok, @error): it ran the forced @variant, or, where
 * @fits is FALSE, it failed saying that variant cannot run here (@error is
 * freed then).  Returns whether there is something to run. */
gboolean swin_test_recorded (SwinContext *ctx, SwinOp op, const char *variant, gboolean ok, GError *error,
                             gboolean fits);

/* A host-visible buffer holding @n floats (copied from @src when given, else zeros). */
SwinBuffer *swin_test_buffer_new (SwinContext *ctx, const float *src, size_t n);

/* The whole of @b, its format left to the operation. */
SwinBinding swin_test_binding (SwinBuffer *b);

/* A command buffer to record into; swin_test_cmd_run() ends, runs and frees it. */
SwinCmd *swin_test_cmd_begin (SwinContext *ctx);
void swin_test_cmd_run (SwinContext *ctx, SwinCmd *cmd);

/* Lowers @ctx's copy of the binding limits (64 KiB of storage buffer, 4096
 * texels; the device's real ones, which validation checks, stay larger) so
 * that small operations run in several chunks; returns what to put back
 * into ctx->props.limits. */
VkPhysicalDeviceLimits swin_test_lower_binding_limits (SwinContext *ctx);

/* Fails the test unless max |got - want| <= @rel * max(1, max |want|). */
void swin_test_assert_close (const float *got, const float *want, size_t n, float rel);

/* @x rounded to the nearest fp16 value, ties to even, written independently
 * of the packer's bit manipulation (|x| < 65504). */
float swin_test_round_to_f16 (float x);

G_END_DECLS

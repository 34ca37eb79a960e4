/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_kernel.h"

#include <math.h>
#include <string.h>
#include "swin_test_floats.h"

void
swin_test_force (SwinContext *ctx, SwinOp op, const char *variant)
{
  GError *error = NULL;

  g_assert_true (swin_op_force (ctx, op, variant, &error));
  g_assert_no_error (error);
}

gboolean
swin_test_recorded (SwinContext *ctx, SwinOp op, const char *variant, gboolean ok, GError *error,
                    gboolean fits)
{
  if (!fits) {
    g_assert_false (ok);
    g_assert_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT);
    g_assert_nonnull (strstr (error->message, variant));
    g_test_message ("as expected: %s", error->message);
    g_error_free (error);
    return FALSE;
  }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpstr (swin_op_last_variant (ctx, op), ==, variant);
  return TRUE;
}

SwinBuffer *
swin_test_buffer_new (SwinContext *ctx, const float *src, size_t n)
{
  GError *error = NULL;
  SwinBuffer *b = swin_buffer_new (ctx, MAX (n, 4) * sizeof (float), SWIN_BUFFER_UPLOAD, "test", &error);

  g_assert_no_error (error);
  if (src)
    memcpy (b->mapped, src, n * sizeof (float));
  else
    memset (b->mapped, 0, n * sizeof (float));
  return b;
}

SwinBinding
swin_test_binding (SwinBuffer *b)
{
  return (SwinBinding) { b, 0, 0, VK_FORMAT_UNDEFINED };
}

SwinCmd *
swin_test_cmd_begin (SwinContext *ctx)
{
  GError *error = NULL;
  SwinCmd *cmd = swin_cmd_new (ctx, &error);

  g_assert_no_error (error);
  return cmd;
}

void
swin_test_cmd_run (SwinContext *ctx, SwinCmd *cmd)
{
  GError *error = NULL;

  g_assert_true (swin_cmd_end (cmd, &error));
  g_assert_true (swin_cmd_submit_wait (ctx, &cmd, 1, &error));
  g_assert_no_error (error);
  swin_cmd_free (cmd);
}

VkPhysicalDeviceLimits
swin_test_lower_binding_limits (SwinContext *ctx)
{
  VkPhysicalDeviceLimits saved = ctx->props.limits;

  ctx->props.limits.maxStorageBufferRange = 64 << 10;
  ctx->props.limits.maxTexelBufferElements = 4096;
  return saved;
}

void
swin_test_assert_close (const float *got, const float *want, size_t n, float rel)
{
  float bound = rel * fmaxf (1.0f, swin_test_max_abs (want, n));
  float diff = swin_test_max_diff (got, want, n);

  if (!(diff <= bound))
    g_error ("max |diff| %g > bound %g", diff, bound);
}

/* In the normal range fp16 keeps 11 significant bits, below 2^-14 a fixed
 * step of 2^-24. */
float
swin_test_round_to_f16 (float x)
{
  int e;

  if (x == 0.0f)
    return x;
  frexpf (x, &e);                       /* |x| = m * 2^e, m in [0.5, 1) */
  return ldexpf (nearbyintf (ldexpf (x, 11 - MAX (e, -13))), MAX (e, -13) - 11);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The window attention kernels against the CPU's window attention on random
 * data: every variant, the shift, its mask, padding, windows that shrink to
 * the map, Swin V2's cosine attention, and the kernel that computes qkv
 * itself (attention_qkv, GPUs) against the CPU's LayerNorm then attention. */
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_test_kernel.h"
#include "swin_pack.h"
#include "swin_cpu_ops.h"

static SwinContext *ctx;

static const char *attention_variant;

/* GPU: qkv GEMM + attention kernel; CPU: the reference's pad/roll/partition formulation. */
/* With @cosine, Swin V2's scaled cosine attention: the table is followed by
 * one scale per head, exp(min(logit_scale, log 100)). */
static void
check_attention_as (SwinLayout layout, int B, int H, int W, int M, int block, int heads, int hd,
                    gboolean cosine)
{
  GError *error = NULL;
  SwinArch arch = { .layout = layout, .embed_dim = heads * hd, .num_stages = 1, .windows = { M },
                    .heads = { heads } };
  SwinAttnGeom g;
  int C = heads * hd, L = H * W, tw = 2 * M - 1;
  size_t n = (size_t) B * L * C;
  float *y = g_new (float, n), *qw = g_new (float, 3 * C * C), *qb = g_new (float, swin_packed_bias_size (3 * C));
  int n_table = tw * tw * heads + (cosine ? heads : 0);
  float *table = g_new (float, n_table), *want = g_new (float, n);
  float *packed = g_new (float, swin_packed_linear_size (3 * C, C));
  SwinBuffer *by, *bw, *bb, *bt, *bqkv, *bo;
  SwinCmd *cmd;

  swin_attn_geometry (&arch, 0, block, H, W, &g);
  swin_test_fill (y, n, 12, 1.5f);
  swin_test_fill (qw, 3 * C * C, 13, 2.0f / sqrtf (C));
  swin_test_fill (qb, 3 * C, 14, 1.0f);
  swin_test_fill (table, n_table, 15, 2.0f);
  for (int h = 0; cosine && h < heads; h++) {
    /* logit scales from below 0 to above the clamp at log 100 */
    float logit_scale = 3.0f * table[tw * tw * heads + h] + 2.5f;
    table[tw * tw * heads + h] = expf (MIN (logit_scale, logf (100.0f)));
  }
  swin_pack_linear (qw, 3 * C, C, packed);
  swin_cpu_window_msa (y, B, &g, heads, qw, qb, table, cosine ? table + tw * tw * heads : NULL, want);

  by = swin_test_buffer_new (ctx, y, n);
  bw = swin_test_buffer_new (ctx, packed, swin_packed_linear_size (3 * C, C));
  bb = swin_test_buffer_new (ctx, qb, swin_packed_bias_size (3 * C));
  bt = swin_test_buffer_new (ctx, table, n_table);
  bqkv = swin_test_buffer_new (ctx, NULL, 3 * n);
  bo = swin_test_buffer_new (ctx, NULL, n);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding Y = swin_test_binding (by), Wq = swin_test_binding (bw), Bq = swin_test_binding (bb), T = swin_test_binding (bt), Q = swin_test_binding (bqkv), O = swin_test_binding (bo);
    const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
    size_t shared = (size_t) g.ws * g.ws * (2 * hd * sizeof (float) + sizeof (int32_t));
    gboolean fits = strcmp (attention_variant, "attention_shuffle") == 0 ? swin_lanes_shuffle (ctx)
                    : strcmp (attention_variant, "attention_wg") != 0 ||
                      (shared <= lim->maxComputeSharedMemorySize &&
                       (uint32_t) (g.ws * g.ws + 31) / 32 * 32 <= lim->maxComputeWorkGroupInvocations);
    gboolean ok;

    g_assert_true (swin_op_gemm (cmd, ctx, &Y, &Wq, &Bq, &Q, B * L, 3 * C, C, FALSE, FALSE, &error));
    ok = swin_op_attention (cmd, ctx, &Q, &Bq, &T, &O, B, &g, heads, cosine, &error);
    if (swin_test_recorded (ctx, SWIN_OP_ATTENTION, attention_variant, ok, error, fits)) {
      swin_test_cmd_run (ctx, cmd);
      swin_test_assert_close (bo->mapped, want, n, 1e-5f);
    } else {
      swin_cmd_free (cmd);
    }
  }
  g_test_message ("attention%s %s %dx%d M=%d block=%d: ws=%d pad=%dx%d shift=%d,%d", cosine ? " (cosine)" : "",
                  swin_layout_name (layout), H, W, M, block, g.ws, g.Hp, g.Wp, g.shift_h, g.shift_w);

  swin_buffer_free (ctx, by); swin_buffer_free (ctx, bw); swin_buffer_free (ctx, bb);
  swin_buffer_free (ctx, bt); swin_buffer_free (ctx, bqkv); swin_buffer_free (ctx, bo);
  g_free (y); g_free (qw); g_free (qb); g_free (table); g_free (want); g_free (packed);
}

static void
check_attention (SwinLayout layout, int B, int H, int W, int M, int block, int heads, int hd)
{
  check_attention_as (layout, B, H, W, M, block, heads, hd, FALSE);
}

/* Every variant (queries per invocation, fetching every key or sharing the
 * fetches through subgroup shuffles; a window per workgroup with shared keys
 * and values) on every device; where one does not fit (the shuffles without
 * subgroups of 8; the window per workgroup's shared memory at window 12 and
 * head dim 32 on lavapipe), forcing it must fail rather than run another. */
static void
test_attention (gconstpointer variant)
{
  const SwinLayout TV = SWIN_LAYOUT_TORCHVISION, ORIG = SWIN_LAYOUT_ORIGINAL;

  attention_variant = variant;
  swin_test_force (ctx, SWIN_OP_ATTENTION, variant);
  check_attention (TV, 2, 14, 14, 7, 0, 2, 8);    /* plain windows */
  check_attention (TV, 2, 14, 14, 7, 1, 3, 4);    /* shifted, masked */
  check_attention (TV, 1, 10, 12, 7, 1, 2, 8);    /* padded to 14x14, shifted */
  check_attention (TV, 2, 5, 5, 7, 1, 1, 12);     /* map inside one window: padded to 7x7, no shift */
  check_attention (TV, 1, 5, 10, 7, 1, 2, 8);     /* padded to 7x14, shifted along W only */
  check_attention (ORIG, 2, 5, 5, 7, 1, 1, 12);   /* window shrinks to the map, no shift */
  check_attention (ORIG, 1, 5, 10, 7, 1, 2, 8);   /* window shrinks to 5: two windows, no shift */
  check_attention (ORIG, 1, 6, 9, 7, 1, 2, 8);    /* window shrinks to 6, map padded to 6x12 */
  check_attention (TV, 1, 24, 24, 12, 1, 2, 32);  /* window 12 */
  check_attention (TV, 1, 24, 24, 12, 1, 4, 8);   /* window 12, small heads: fits shared memory */
  /* Swin V2's scaled cosine attention, in both variants too */
  check_attention_as (TV, 2, 14, 14, 7, 0, 2, 8, TRUE);   /* plain windows */
  check_attention_as (TV, 1, 10, 12, 7, 1, 3, 4, TRUE);   /* padded, shifted, masked */
  check_attention_as (ORIG, 1, 5, 10, 7, 1, 2, 8, TRUE);  /* window shrinks to the map */
  check_attention_as (TV, 1, 16, 16, 8, 1, 4, 8, TRUE);   /* window 8 (timm's swinv2 at 256) */
  swin_test_force (ctx, SWIN_OP_ATTENTION, NULL);
}

/* The LayerNorm, the qkv Linear and the attention in one dispatch
 * (attention_qkv, GPUs), against the CPU's LayerNorm then window attention
 * (which computes qkv itself).  With fp16 weights (@half) the
 * reference takes the folded weights rounded to fp16 and a LayerNorm
 * without gamma and beta; only maps of whole windows then, since a padded
 * token's q, k, v are the unfolded bias. */
static void
check_attention_qkv (SwinLayout layout, int B, int H, int W, int M, int block, int heads, int hd,
                     gboolean cosine, gboolean half)
{
  GError *error = NULL;
  SwinArch arch = { .layout = layout, .embed_dim = heads * hd, .num_stages = 1, .windows = { M },
                    .heads = { heads } };
  SwinAttnGeom g;
  int C = heads * hd, N = 3 * C, L = H * W, tw = 2 * M - 1;
  int n_table = tw * tw * heads + (cosine ? heads : 0);
  size_t n = (size_t) B * L * C, N4 = swin_packed_bias_size (N);
  float *x = g_new (float, n), *normed = g_new (float, n), *want = g_new (float, n);
  float *gam = g_new (float, C), *bet = g_new (float, C), *ones = g_new (float, C), *zeros = g_new0 (float, C);
  float *w = g_new (float, (size_t) N * C), *wf = g_new (float, (size_t) N * C);
  float *b = g_new0 (float, N4), *bf = g_new (float, 2 * N4), *table = g_new (float, n_table);
  float *packed = g_new (float, swin_packed_linear_size (N, C));
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
  SwinBuffer *bx, *bw, *bb, *bfb, *bt, *bo;
  SwinCmd *cmd;
  gboolean fits, ok;

  swin_attn_geometry (&arch, 0, block, H, W, &g);
  swin_test_fill (x, n, 31, 3.0f);
  for (size_t i = 0; i < n; i++)
    x[i] += 2.0f;   /* a mean far from zero: the two-pass statistics */
  swin_test_fill (gam, C, 32, 1.0f);
  swin_test_fill (bet, C, 33, 1.0f);
  swin_test_fill (w, (size_t) N * C, 34, 2.0f / sqrtf (C));
  swin_test_fill (b, N, 35, 1.0f);
  swin_test_fill (table, n_table, 36, 2.0f);
  for (int h = 0; cosine && h < heads; h++)
    table[tw * tw * heads + h] = 1.0f + 4.0f * fabsf (table[tw * tw * heads + h]);
  for (int c = 0; c < C; c++)
    ones[c] = 1.0f;
  swin_pack_fold_layernorm (w, b, N, C, gam, bet, half, wf, bf);
  if (half) {
    g_assert_true (g.Hp == H && g.Wp == W);
    for (size_t i = 0; i < (size_t) N * C; i++)
      wf[i] = swin_test_round_to_f16 (wf[i]);
    swin_cpu_layernorm (x, B * L, C, ones, zeros, normed);
    swin_cpu_window_msa (normed, B, &g, heads, wf, bf, table, cosine ? table + tw * tw * heads : NULL, want);
    swin_pack_linear_f16 (wf, N, C, (guint16 *) packed);
  } else {
    swin_cpu_layernorm (x, B * L, C, gam, bet, normed);
    swin_cpu_window_msa (normed, B, &g, heads, w, b, table, cosine ? table + tw * tw * heads : NULL, want);
    swin_pack_linear (wf, N, C, packed);
  }

  bx = swin_test_buffer_new (ctx, x, n);
  bw = swin_test_buffer_new (ctx, packed, swin_packed_linear_size (N, C));
  bb = swin_test_buffer_new (ctx, b, N4);
  bfb = swin_test_buffer_new (ctx, bf, 2 * N4);
  bt = swin_test_buffer_new (ctx, table, n_table);
  bo = swin_test_buffer_new (ctx, NULL, n);
  /* keys, values, mask regions and 16 k steps of the head's weights; three
   * invocations a token, in whole warps */
  fits = (size_t) g.ws * g.ws * (2 * hd * sizeof (float) + sizeof (int32_t)) + 16 * 3 * hd * sizeof (float) <=
             lim->maxComputeSharedMemorySize &&
         (uint32_t) (g.ws * g.ws + 31) / 32 * 32 * 3 <= lim->maxComputeWorkGroupInvocations;
  g_assert_true (swin_op_attention_qkv_fits (ctx, &g, heads) == fits);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding X = swin_test_binding (bx), Wq = swin_test_binding (bw), Bq = swin_test_binding (bb), Bf = swin_test_binding (bfb), T = swin_test_binding (bt), O = swin_test_binding (bo);
    if (half)
      Wq.format = VK_FORMAT_R16G16B16A16_SFLOAT;
    ok = swin_op_attention_qkv (cmd, ctx, &X, &Wq, &Bf, &Bq, &T, &O, B, &g, heads, cosine, &error);
  }
  if (swin_test_recorded (ctx, SWIN_OP_ATTENTION_QKV, "attention_qkv", ok, error, fits)) {
    swin_test_cmd_run (ctx, cmd);
    swin_test_assert_close (bo->mapped, want, n, half ? 1e-4f : 1e-5f);
  } else {
    swin_cmd_free (cmd);
  }
  g_test_message ("attention_qkv%s%s %s %dx%d M=%d block=%d heads=%d hd=%d: ws=%d pad=%dx%d shift=%d,%d",
                  cosine ? " (cosine)" : "", half ? " fp16" : "", swin_layout_name (layout), H, W, M,
                  block, heads, hd, g.ws, g.Hp, g.Wp, g.shift_h, g.shift_w);

  swin_buffer_free (ctx, bx); swin_buffer_free (ctx, bw); swin_buffer_free (ctx, bb);
  swin_buffer_free (ctx, bfb); swin_buffer_free (ctx, bt); swin_buffer_free (ctx, bo);
  g_free (x); g_free (normed); g_free (want); g_free (gam); g_free (bet); g_free (ones); g_free (zeros);
  g_free (w); g_free (wf); g_free (b); g_free (bf); g_free (table); g_free (packed);
}

static void
test_attention_qkv (void)
{
  const SwinLayout TV = SWIN_LAYOUT_TORCHVISION, ORIG = SWIN_LAYOUT_ORIGINAL;

  check_attention_qkv (TV, 2, 14, 14, 7, 0, 2, 8, FALSE, FALSE);    /* plain windows */
  check_attention_qkv (TV, 2, 14, 14, 7, 1, 3, 4, FALSE, FALSE);    /* shifted, masked */
  check_attention_qkv (TV, 1, 10, 12, 7, 1, 2, 8, FALSE, FALSE);    /* padded to 14x14, shifted */
  check_attention_qkv (TV, 1, 5, 10, 7, 1, 2, 8, FALSE, FALSE);     /* padded to 7x14, shifted along W only */
  check_attention_qkv (ORIG, 1, 6, 9, 7, 1, 2, 8, FALSE, FALSE);    /* window shrinks to 6, map padded to 6x12 */
  check_attention_qkv (TV, 1, 14, 14, 7, 1, 3, 32, FALSE, FALSE);   /* Swin-T's stage 1 heads: C = 96, 6 chunks of W */
  check_attention_qkv (TV, 1, 7, 7, 7, 0, 2, 36, FALSE, FALSE);     /* C = 72: a last chunk of 2 texels */
  check_attention_qkv (TV, 1, 24, 24, 12, 1, 2, 32, FALSE, FALSE);  /* window 12: refused where it does not fit */
  check_attention_qkv (TV, 1, 24, 24, 12, 1, 4, 8, FALSE, FALSE);   /* window 12, small heads */
  check_attention_qkv (TV, 1, 10, 12, 7, 1, 3, 4, TRUE, FALSE);     /* the cosine attention, padded and shifted */
  check_attention_qkv (TV, 2, 14, 14, 7, 1, 3, 32, FALSE, TRUE);    /* fp16 weights */
}

static void
test_large_grid_attention_qkv (void)
{
  /* a window per (image, head): 2 x 33000 of them */
  check_attention_qkv (SWIN_LAYOUT_ORIGINAL, 33000, 2, 2, 7, 0, 2, 4, FALSE, FALSE);
}

static void
test_large_grid_attention (gconstpointer variant)
{
  /* a window per (image, head): 2 x 33000 of them */
  attention_variant = variant;
  swin_test_force (ctx, SWIN_OP_ATTENTION, variant);
  check_attention (SWIN_LAYOUT_ORIGINAL, 33000, 2, 2, 7, 0, 2, 4);
  swin_test_force (ctx, SWIN_OP_ATTENTION, NULL);
}


/* Attentions too large to bind at once run in chunks of images. */
static void
test_chunked (void)
{
  VkPhysicalDeviceLimits saved = swin_test_lower_binding_limits (ctx);

  attention_variant = "attention";
  swin_test_force (ctx, SWIN_OP_ATTENTION, attention_variant);
  check_attention (SWIN_LAYOUT_TORCHVISION, 130, 7, 7, 7, 1, 2, 4);
  swin_test_force (ctx, SWIN_OP_ATTENTION, NULL);
  check_attention_qkv (SWIN_LAYOUT_TORCHVISION, 130, 7, 7, 7, 1, 2, 4, FALSE, FALSE);
  ctx->props.limits = saved;
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  g_test_add_data_func ("/attention/query-per-invocation", "attention", test_attention);
  g_test_add_data_func ("/attention/query-per-invocation-shuffle", "attention_shuffle", test_attention);
  g_test_add_data_func ("/attention/window-per-workgroup", "attention_wg", test_attention);
  g_test_add_func ("/attention/qkv-in-attention", test_attention_qkv);
  g_test_add_data_func ("/attention/large-grid/attention", "attention", test_large_grid_attention);
  g_test_add_data_func ("/attention/large-grid/attention_shuffle", "attention_shuffle",
                        test_large_grid_attention);
  g_test_add_data_func ("/attention/large-grid/attention_wg", "attention_wg", test_large_grid_attention);
  g_test_add_func ("/attention/large-grid/attention_qkv", test_large_grid_attention_qkv);
  g_test_add_func ("/attention/chunked", test_chunked);
  ret = g_test_run ();
  swin_context_free (ctx);
  swin_shutdown ();   /* the validation layer checks the instance is left empty */
  return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The whole Swin forward on the CPU, block by block as the PyTorch reference. */
#include "swin/swin_cpu.h"
#include "swin_cpu_ops.h"
#include "swin_model_private.h"

#include <string.h>

static void
block_forward (const SwinArch *arch, const SwinBlockWeights *w, int stage, int block,
               int B, int H, int W, float *x)
{
  const int C = SWIN_ARCH_DIM (arch, stage), L = H * W, hidden = arch->mlp_hidden[stage];
  const size_t n = (size_t) B * L;
  SwinAttnGeom g;
  float *y = g_new (float, n * C);
  float *a = g_new (float, n * C);
  float *h = g_new (float, n * hidden);

  swin_attn_geometry (arch, stage, block, H, W, &g);
  if (arch->version == 2) {
    /* residual post-norm: x = x + LN(proj(W-MSA(x))), x = x + LN(MLP(x)) */
    swin_cpu_window_msa (x, B, &g, arch->heads[stage], w->qkv_w, w->qkv_b, w->rpb_table, w->attn_scale, a);
    swin_cpu_linear (a, n, C, w->proj_w, w->proj_b, C, y);
    swin_cpu_layernorm (y, n, C, w->norm1_w, w->norm1_b, a);
    for (size_t i = 0; i < n * C; i++)
      x[i] += a[i];
    swin_cpu_linear (x, n, C, w->fc1_w, w->fc1_b, hidden, h);
    swin_cpu_gelu (h, n * hidden);
    swin_cpu_linear (h, n, hidden, w->fc2_w, w->fc2_b, C, y);
    swin_cpu_layernorm (y, n, C, w->norm2_w, w->norm2_b, a);
    for (size_t i = 0; i < n * C; i++)
      x[i] += a[i];
  } else {
    /* x = x + proj(W-MSA(LN(x))) */
    swin_cpu_layernorm (x, n, C, w->norm1_w, w->norm1_b, y);
    swin_cpu_window_msa (y, B, &g, arch->heads[stage], w->qkv_w, w->qkv_b, w->rpb_table, NULL, a);
    swin_cpu_linear (a, n, C, w->proj_w, w->proj_b, C, y);
    for (size_t i = 0; i < n * C; i++)
      x[i] += y[i];
    /* x = x + fc2(GELU(fc1(LN(x)))) */
    swin_cpu_layernorm (x, n, C, w->norm2_w, w->norm2_b, y);
    swin_cpu_linear (y, n, C, w->fc1_w, w->fc1_b, hidden, h);
    swin_cpu_gelu (h, n * hidden);
    swin_cpu_linear (h, n, hidden, w->fc2_w, w->fc2_b, C, y);
    for (size_t i = 0; i < n * C; i++)
      x[i] += y[i];
  }
  g_free (y);
  g_free (a);
  g_free (h);
}

gboolean
swin_cpu_forward (const SwinModel *m, const float *input, int B, int height, int width,
                  float *logits, GError **error)
{
  return swin_cpu_forward_full (m, input, B, height, width, logits, NULL, error);
}

gboolean
swin_cpu_forward_full (const SwinModel *m, const float *input, int B, int height, int width,
                       float *logits, float *features, GError **error)
{
  const SwinArch *arch = &m->arch;
  const int P = arch->patch_size, C0 = arch->embed_dim;
  int H = height / P, W = width / P, C = C0;
  float *x, *t;

  g_return_val_if_fail (logits != NULL || features != NULL, FALSE);
  if (B < 1) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "Batch must be at least 1 (got %d)", B);
    return FALSE;
  }
  if (!swin_arch_check_size (arch, height, width, error))
    return FALSE;

  x = g_new (float, (size_t) B * H * W * C0);
  t = g_new (float, (size_t) B * H * W * C0);
  swin_cpu_patch_embed (input, B, arch->in_chans, height, width, P, m->patch_w, m->patch_b, C0, t);
  swin_cpu_layernorm (t, B * H * W, C0, m->patch_norm_w, m->patch_norm_b, x);
  if (m->abs_pos)
    for (int b = 0; b < B; b++)
      for (size_t i = 0; i < (size_t) H * W * C0; i++)
        x[(size_t) b * H * W * C0 + i] += m->abs_pos[i];

  for (int s = 0; s < arch->num_stages; s++) {
    const SwinStageWeights *st = &m->stages[s];
    for (int j = 0; j < arch->depths[s]; j++)
      block_forward (arch, &st->blocks[j], s, j, B, H, W, x);
    if (st->merge_reduction_w) {
      /* gather 2x2 -> LN(4C) -> reduction to 2C, in place of x */
      size_t rows = (size_t) B * (H / 2) * (W / 2);
      swin_cpu_merge_gather (x, B, H, W, C, t);
      if (arch->version == 2) {
        /* V2: reduce, then normalise the 2C channels */
        swin_cpu_linear (t, rows, 4 * C, st->merge_reduction_w, NULL, 2 * C, x);
        swin_cpu_layernorm (x, rows, 2 * C, st->merge_norm_w, st->merge_norm_b, x);
      } else {
        swin_cpu_layernorm (t, rows, 4 * C, st->merge_norm_w, st->merge_norm_b, t);
        swin_cpu_linear (t, rows, 4 * C, st->merge_reduction_w, NULL, 2 * C, x);
      }
      H /= 2;
      W /= 2;
      C *= 2;
    }
  }

  swin_cpu_layernorm (x, B * H * W, C, m->norm_w, m->norm_b, t);
  swin_cpu_avgpool (t, B, H * W, C, x);
  if (features)
    memcpy (features, x, (size_t) B * C * sizeof (float));
  if (logits)
    swin_cpu_linear (x, B, C, m->head_w, m->head_b, arch->num_classes, logits);
  g_free (x);
  g_free (t);
  return TRUE;
}

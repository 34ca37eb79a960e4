/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operations of the forward pass and their kernel variants (internal to
 * core).  One table in swin_op_variants.c holds, for each operation, its
 * bindings and push constants (read from the SPIR-V at build time; the push
 * structs are the shaders' <op>_push.h) and, for each variant, the SPIR-V,
 * workgroup size, specialisation constants, dispatch grid and the predicate
 * that decides where it may run.  Every recording function checks its arguments
 * and returns FALSE with @error set on failure. */
#pragma once

#include "swin_kernel.h"
#include "swin_geometry.h"
#include "preprocess_push.h"   /* SwinPreprocessSlot, shared with shaders/preprocess.comp */

typedef enum {
  SWIN_OP_GEMM,
  SWIN_OP_LAYERNORM,
  SWIN_OP_IM2COL,
  SWIN_OP_ATTENTION,
  SWIN_OP_ATTENTION_QKV,
  SWIN_OP_AVGPOOL,
  SWIN_OP_PREPROCESS,
  SWIN_OP_COUNT,
} SwinOp;

const char *swin_op_name (SwinOp op);

/* Makes every later recording of @op on @ctx use the variant named
 * @variant (NULL: back to the automatic choice); recording then fails with
 * SWIN_ERROR_DEVICE_LIMIT where that variant cannot run, instead of falling
 * back.  SWIN_ERROR_INVALID_ARG for an unknown name.  For tests. */
gboolean swin_op_force (SwinContext *ctx, SwinOp op, const char *variant, GError **error);
/* The variant the last recording of @op on @ctx used, or NULL. */
const char *swin_op_last_variant (SwinContext *ctx, SwinOp op);

/* out[M, N] (=|+=) act(a[M, K] * W^T + bias).  @a: M*K floats, K % 4 == 0;
 * @w: packed (swin_pack_linear); @bias: swin_packed_bias_size(N) floats. */
gboolean swin_op_gemm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
                       const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
                       gboolean gelu, gboolean accumulate, GError **error);

/* How swin_op_gemm_full() reads A and finishes its output. */
typedef struct {
  gboolean gelu;         /* exact GELU on the output */
  gboolean accumulate;   /* out += result (a residual) */
  /* A's rows LayerNorm-normalised as they are read: the LayerNorm's gamma
   * and beta folded into @w and @bias by swin_pack_fold_layernorm(), whose
   * column sums follow the bias (2 * swin_packed_bias_size(N) floats). */
  gboolean norm_a;
  /* > 0: A's rows are the 2x2 patch-merging gather (Swin's order) of a
   * @gather_h x @gather_w map (both even) of K / 4 channels, read in place. */
  int gather_h, gather_w;
  /* > 0: A's rows are the @patch x @patch patches (@patch a multiple of 4)
   * of a @gather_h x @gather_w image of K / @patch^2 channels (NCHW), in the
   * patch embedding's (channel, y, x) order, read in place (no im2col). */
  int patch;
} SwinGemmParams;

#define SWIN_GEMM_PARAMS_DEFAULT { FALSE, FALSE, FALSE, 0, 0, 0 }

gboolean swin_op_gemm_full (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
                            const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
                            const SwinGemmParams *params, GError **error);

/* Whether the GEMM variant @ctx records (the automatic choice, or the one
 * forced) normalises A's rows at no cost, so that a LayerNorm before a GEMM
 * is best folded into it (norm_a).  The shared-memory tiles (GPUs) sum the
 * rows' moments as their loaders fetch each texel once, and so does
 * gemm_shuffle (lavapipe), each lane for the rows it fetches; plain gemm's
 * register tiles would sum them in every invocation of a row, which costs
 * more than the LayerNorm pass (docs/lavapipe-gemm.md). */
gboolean swin_op_gemm_normalises (SwinContext *ctx);

/* Whether @ctx runs the kernels that share fetches through subgroup
 * shuffles (gemm_shuffle, attention_shuffle: lavapipe): subgroup shuffles in
 * compute shaders, in subgroups of 8. */
gboolean swin_lanes_shuffle (const SwinContext *ctx);

/* Whether that variant is a shared-memory tile one (GPUs), whose path
 * computes qkv inside the attention (swin_op_attention_qkv()): workgroups
 * that cooperate through shared memory and barriers, which lavapipe runs
 * slowly. */
gboolean swin_op_gemm_tiled (SwinContext *ctx);

/* LayerNorm of @rows rows of @C channels into @out; with @merge_h > 0 the
 * rows are the 2x2 patch-merging gather of an merge_h x merge_w map of C/4
 * channels; with @add, + add[(r % add_rows) * C + c].  @add may be @out
 * (a residual: add_rows = rows): each value is read before it is written. */
gboolean swin_op_layernorm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                            const SwinBinding *gamma, const SwinBinding *beta, const SwinBinding *out,
                            int rows, int C, int merge_h, int merge_w,
                            const SwinBinding *add, int add_rows, GError **error);

/* Patches of the NCHW @img [B, Cin, H, W] as rows [B * H/P * W/P, Cin * P * P]:
 * the patch embedding is then a GEMM with the conv weight as a Linear. */
gboolean swin_op_im2col (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *img, const SwinBinding *out,
                         int B, int Cin, int H, int W, int P, GError **error);

/* Window attention from qkv [B, H*W, 3C] into out [B, H*W, C].  @table:
 * the [(2M-1)^2, heads] bias table; with @cosine (Swin V2's scaled cosine
 * attention) followed by the [heads] scales. */
gboolean swin_op_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                            const SwinBinding *qkv_bias, const SwinBinding *table,
                            const SwinBinding *out, int B, const SwinAttnGeom *g, int heads,
                            gboolean cosine, GError **error);

/* The LayerNorm before the attention, its qkv Linear and the window
 * attention in one dispatch, from the residual stream @x [B, H*W, C] into
 * @out [B, H*W, C]: @w and @gemm_bias the qkv Linear with the LayerNorm
 * folded in (swin_pack_fold_layernorm()), @qkv_bias its own bias (a padded
 * token's q, k, v), @table and @cosine as swin_op_attention().  The qkv
 * activations are never stored.  SWIN_ERROR_DEVICE_LIMIT where the window's
 * workgroup does not fit the device: swin_op_attention_qkv_fits() first. */
gboolean swin_op_attention_qkv (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *x,
                                const SwinBinding *w, const SwinBinding *gemm_bias,
                                const SwinBinding *qkv_bias, const SwinBinding *table,
                                const SwinBinding *out, int B, const SwinAttnGeom *g, int heads,
                                gboolean cosine, GError **error);
/* Whether swin_op_attention_qkv() can run windows of @g with @heads heads on @ctx. */
gboolean swin_op_attention_qkv_fits (SwinContext *ctx, const SwinAttnGeom *g, int heads);

/* out[b, c] = mean over @L tokens of LayerNorm(in[b, t, :])[c] (@gamma,
 * @beta): the final LayerNorm and the average pool in one dispatch, the
 * normalised tokens never stored.  C % 4 == 0. */
gboolean swin_op_avgpool_norm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                               const SwinBinding *gamma, const SwinBinding *beta,
                               const SwinBinding *out, int B, int L, int C, GError **error);

/* Frame bytes @src -> float32 NCHW [n_slots, 3, out_h, out_w] at @dst, image
 * i as described by slot i of @slots (SwinPreprocessSlot[n_slots]). */
gboolean swin_op_preprocess (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *src,
                             const SwinBinding *dst, const SwinBinding *slots, int out_w, int out_h,
                             int n_slots, GError **error);

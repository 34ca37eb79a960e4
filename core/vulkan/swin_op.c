/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The choice among an operation's variants (swin_op_variants.c), and the
 * recording of each operation: its checks, and the chunks it runs in where
 * it is too large to bind at once. */
#include "swin_op_private.h"

#include <limits.h>
#include <math.h>
#include <string.h>
#include "gemm.iface.h"
#include "layernorm.iface.h"
#include "im2col.iface.h"
#include "attention.iface.h"
#include "attention_qkv.iface.h"
#include "avgpool_norm.iface.h"
#include "preprocess.iface.h"
#include "gemm_push.h"
#include "layernorm_push.h"
#include "im2col_push.h"
#include "attention_push.h"
#include "avgpool_norm_push.h"

/* ---- the choice of variant ---- */

/* Per context: a forced variant (index + 1, 0: none), the last one used and
 * which ones were reported to the log.  Guarded by ctx->cache_lock. */
typedef struct {
  int forced[SWIN_OP_COUNT];
  const char *last[SWIN_OP_COUNT];
  guint reported[SWIN_OP_COUNT];   /* bit per variant */
} SwinOpState;

static void
op_state_free (SwinContext *ctx, void *data)
{
  g_free (data);
}

/* The context's SwinOpState; the caller holds ctx->cache_lock. */
static SwinOpState *
op_state (SwinContext *ctx)
{
  if (!ctx->ops) {
    ctx->ops = g_new0 (SwinOpState, 1);
    swin_context_add_cleanup (ctx, op_state_free, ctx->ops);
  }
  return ctx->ops;
}

static int
variant_count (const SwinOpInfo *info)
{
  int n = 0;

  while (n < SWIN_MAX_VARIANTS && info->variants[n].name)
    n++;
  return n;
}

gboolean
swin_op_force (SwinContext *ctx, SwinOp op, const char *variant, GError **error)
{
  int index = 0;

  g_return_val_if_fail ((unsigned) op < SWIN_OP_COUNT, FALSE);
  if (variant) {
    for (int i = 0; i < variant_count (&swin_op_infos[op]); i++)
      if (strcmp (swin_op_infos[op].variants[i].name, variant) == 0)
        index = i + 1;
    if (index == 0) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "operation %s has no variant \"%s\"",
                   swin_op_infos[op].name, variant);
      return FALSE;
    }
  }
  g_mutex_lock (&ctx->cache_lock);
  op_state (ctx)->forced[op] = index;
  g_mutex_unlock (&ctx->cache_lock);
  return TRUE;
}

const char *
swin_op_last_variant (SwinContext *ctx, SwinOp op)
{
  const char *name;

  g_return_val_if_fail ((unsigned) op < SWIN_OP_COUNT, NULL);
  g_mutex_lock (&ctx->cache_lock);
  name = op_state (ctx)->last[op];
  g_mutex_unlock (&ctx->cache_lock);
  return name;
}

/* The variant of @op for @a: the forced one, which must fit, else the first
 * preferred one that fits. */
static const SwinVariant *
choose (SwinContext *ctx, SwinOp op, const SwinOpArgs *a, GError **error)
{
  const SwinOpInfo *info = &swin_op_infos[op];
  const SwinVariant *chosen = NULL;
  gboolean first_use;
  int forced, index = -1;
  char *why = NULL;

  g_mutex_lock (&ctx->cache_lock);
  forced = op_state (ctx)->forced[op];
  g_mutex_unlock (&ctx->cache_lock);

  if (forced) {
    const SwinVariant *v = &info->variants[forced - 1];
    if (v->fits && !v->fits (ctx, a, &why)) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT, "%s: the forced variant %s cannot run "
                   "on \"%s\": %s", info->name, v->name, ctx->device_name, why);
      g_free (why);
      return NULL;
    }
    index = forced - 1;
  } else {
    for (int i = 0; i < variant_count (info) && index < 0; i++) {
      const SwinVariant *v = &info->variants[i];
      if (v->gpu_only && !ctx->gpu_variants)
        continue;
      if (v->fits && !v->fits (ctx, a, &why)) {
        /* an operation whose last variant has requirements (attention_qkv,
         * which the plan asks for only where it fits) fails with the reason */
        if (i == variant_count (info) - 1) {
          g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT, "%s: variant %s cannot run on \"%s\": %s",
                       info->name, v->name, ctx->device_name, why);
          g_free (why);
          return NULL;
        }
        swin_log (ctx, SWIN_LOG_DEBUG, "%s: variant %s skipped: %s", info->name, v->name, why);
        g_clear_pointer (&why, g_free);
        continue;
      }
      index = i;
    }
  }
  g_assert (index >= 0);
  chosen = &info->variants[index];

  g_mutex_lock (&ctx->cache_lock);
  op_state (ctx)->last[op] = chosen->name;
  first_use = !(op_state (ctx)->reported[op] & (1u << index));
  op_state (ctx)->reported[op] |= 1u << index;
  g_mutex_unlock (&ctx->cache_lock);
  if (first_use)
    swin_log (ctx, SWIN_LOG_INFO, "%s on \"%s\": variant %s%s", info->name, ctx->device_name, chosen->name,
              forced ? " (forced)" : "");
  return chosen;
}

/* Chooses, specialises, fetches and dispatches @op. */
static gboolean
record (SwinCmd *cmd, SwinContext *ctx, SwinOp op, const SwinOpArgs *a, const SwinBinding *bindings,
        const void *push, GError **error)
{
  const SwinOpInfo *info = &swin_op_infos[op];
  const SwinVariant *v = choose (ctx, op, a, error);
  SwinKernelDesc desc = {
    .n_bindings = info->n_bindings, .types = info->types, .push_size = info->push_size,
    .local = { 1, 1, 1 },
  };
  SwinKernel *k;
  uint32_t g[3];

  if (!v)
    return FALSE;
  desc.name = v->name;
  desc.spv = v->spv;
  desc.spv_size = v->spv_size;
  desc.n_spec = v->specialise (ctx, a, desc.local, desc.spec);
  v->grid (a, desc.local, desc.spec, g);
  k = swin_kernel_get (ctx, &desc, error);
  return k && swin_kernel_dispatch (cmd, k, bindings, push, g[0], g[1], g[2], error);
}

static gboolean
invalid (GError **error, const char *op, const char *what)
{
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "%s: %s", op, what);
  return FALSE;
}

/* ---- the operations ---- */

/* @b narrowed to @count items of @item bytes from item @first. */
static SwinBinding
sub_range (const SwinBinding *b, uint64_t first, uint64_t count, uint64_t item)
{
  SwinBinding s = *b;

  s.offset += first * item;
  s.size = count * item;
  return s;
}

/* Vulkan lets a device require binding offsets aligned to at most 256 bytes
 * (minStorageBufferOffsetAlignment, minTexelBufferOffsetAlignment). */
#define SWIN_MAX_OFFSET_ALIGN 256

static uint64_t
gcd64 (uint64_t a, uint64_t b)
{
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Independent units (rows, images) per chunk of an operation too large to
 * bind at once (the MLP's hidden rows of a large batch exceed lavapipe's
 * 128 MiB maxStorageBufferRange; Swin-T's qkv at batch 1024 NVIDIA's 2^27
 * maxTexelBufferElements): as many as keep @texels per unit of @texel_size
 * bytes (its largest texel binding) and @bytes per unit (its largest storage
 * binding) within the limits, in steps that keep every chunk's offsets
 * aligned.  A unit that alone exceeds a limit makes a chunk of one step,
 * which the dispatch then refuses with SWIN_ERROR_DEVICE_LIMIT. */
static uint64_t
chunk_units (const SwinContext *ctx, uint64_t texels, uint64_t texel_size, uint64_t bytes)
{
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
  const uint64_t align = SWIN_MAX_OFFSET_ALIGN;
  uint64_t units = G_MAXUINT64, step = 1;

  if (texels) {
    units = MIN (units, lim->maxTexelBufferElements / texels);
    step = align / gcd64 (texels * texel_size, align);
  }
  if (bytes) {
    units = MIN (units, lim->maxStorageBufferRange / bytes);
    step = MAX (step, align / gcd64 (bytes, align));   /* powers of two: the larger is the lcm */
  }
  return MAX (units / step * step, step);
}

/* The name of the GEMM variant forced on @ctx, or NULL. */
static const char *
gemm_forced (SwinContext *ctx)
{
  int forced;

  g_mutex_lock (&ctx->cache_lock);
  forced = op_state (ctx)->forced[SWIN_OP_GEMM];
  g_mutex_unlock (&ctx->cache_lock);
  return forced ? swin_op_infos[SWIN_OP_GEMM].variants[forced - 1].name : NULL;
}

gboolean
swin_op_gemm_normalises (SwinContext *ctx)
{
  const char *forced = gemm_forced (ctx);

  if (forced)
    return strcmp (forced, "gemm") != 0;
  return ctx->gpu_variants || swin_lanes_shuffle (ctx);
}

gboolean
swin_op_gemm_tiled (SwinContext *ctx)
{
  const char *forced = gemm_forced (ctx);

  if (forced)   /* all but gemm.comp's register tiles */
    return strcmp (forced, "gemm") != 0 && strcmp (forced, "gemm_shuffle") != 0;
  return ctx->gpu_variants;
}

gboolean
swin_op_gemm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
              const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
              gboolean gelu, gboolean accumulate, GError **error)
{
  SwinGemmParams params = SWIN_GEMM_PARAMS_DEFAULT;

  params.gelu = gelu;
  params.accumulate = accumulate;
  return swin_op_gemm_full (cmd, ctx, a, w, bias, out, M, N, K, &params, error);
}

gboolean
swin_op_gemm_full (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
                   const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
                   const SwinGemmParams *params, GError **error)
{
  int P = params->patch;
  gboolean patches = P > 0, gather = params->gather_h > 0 && !patches;
  SwinGemmPush push = {
    M, N, K, params->gelu, params->accumulate, params->gather_h, params->gather_w, P,
  };
  SwinBinding b[] = { *a, *w, *bias, *out, *out };
  /* Rows are independent, but a gathered row's or a patch's place in its
   * image matters: chunks of whole images then. */
  uint64_t unit = gather ? (uint64_t) (params->gather_h / 2) * (params->gather_w / 2)
                : patches ? (uint64_t) (params->gather_h / P) * (params->gather_w / P) : 1;
  uint64_t chunk;

  BINDS (b, GEMM, TEXEL (0) | TEXEL (1));
  if (K % 4 != 0 || M <= 0 || N <= 0)
    return invalid (error, "gemm", "needs M, N > 0 and K a multiple of 4");
  if (gather && (K % 16 != 0 || params->gather_h % 2 || params->gather_w <= 0 || params->gather_w % 2 ||
                 M % unit != 0))
    return invalid (error, "gemm", "a gather needs an even map, whole images and K a multiple of 16");
  if (patches && (P % 4 != 0 || params->gather_h <= 0 || params->gather_h % P || params->gather_w <= 0 ||
                  params->gather_w % P || K % (P * P) != 0 || M % unit != 0 || params->norm_a))
    return invalid (error, "gemm", "patches need a patch size that is a multiple of 4, an image of "
                    "whole patches, whole images, K a multiple of the patch's pixels and no LayerNorm");
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  /* packed weights are fp32 or fp16 texels: the fetch converts; fp16 ones
   * let the f16 variants compute in fp16 */
  if (b[1].format != VK_FORMAT_R16G16B16A16_SFLOAT)
    b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  /* A too large to bind runs as several GEMMs.  A gathered map or a
   * patched image holds as many values as its rows: K per row either way. */
  chunk = unit * chunk_units (ctx, unit * (K / 4), 16, unit * N * sizeof (float));
  for (uint64_t m0 = 0; m0 < (uint64_t) M; m0 += chunk) {
    int rows = (int) MIN (chunk, (uint64_t) M - m0);
    SwinOpArgs args = {
      .M = rows, .N = N, .K = K, .vec_out = N % 4 == 0, .norm_a = params->norm_a, .gather = gather,
      .patches = patches,
      .half_w = b[1].format == VK_FORMAT_R16G16B16A16_SFLOAT,
    };

    if (rows < M) {
      b[0] = sub_range (a, m0, rows, (uint64_t) K * sizeof (float));
      b[3] = b[4] = sub_range (out, m0, rows, (uint64_t) N * sizeof (float));
      b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
    }
    push.M = rows;
    if (!record (cmd, ctx, SWIN_OP_GEMM, &args, b, &push, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
swin_op_layernorm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                   const SwinBinding *gamma, const SwinBinding *beta, const SwinBinding *out,
                   int rows, int C, int merge_h, int merge_w,
                   const SwinBinding *add, int add_rows, GError **error)
{
  SwinLayernormPush push = {
    rows, C, merge_h > 0, merge_h, merge_w, add != NULL, MAX (add_rows, 1),
  };
  /* Without an addend the binding still needs a valid range: gamma stands in, unread. */
  SwinBinding b[] = { *in, *gamma, *beta, *out, add ? *add : *gamma };
  /* An addend of as many rows as the input (a residual) is chunked with
   * them, a repeating one (the position embedding) only in whole repeats. */
  gboolean residual = add != NULL && add_rows == rows;
  /* Chunks are whole images where the row's place matters (the gather, the
   * addend's r % add_rows), else rows. */
  uint64_t unit_rows = merge_h > 0 ? (uint64_t) (merge_h / 2) * (merge_w / 2)
                     : add && !residual ? (uint64_t) push.L : 1;
  uint64_t unit_in = merge_h > 0 ? (uint64_t) merge_h * merge_w * (C / 4) : unit_rows * C;
  uint64_t chunk, units;

  BINDS (b, LAYERNORM, TEXEL (0));
  if (C % 4 != 0 || (merge_h != 0 && C % 16 != 0) || rows <= 0 || rows % unit_rows != 0)
    return invalid (error, "layernorm", "needs rows > 0 (whole images when gathering or adding), "
                    "C a multiple of 4 (of 16 when merging)");
  chunk = chunk_units (ctx, unit_in / 4, 16, unit_rows * C * sizeof (float));
  units = rows / unit_rows;
  for (uint64_t u0 = 0; u0 < units; u0 += chunk) {
    uint64_t n = MIN (chunk, units - u0);
    SwinOpArgs args = { .rows = (int) (n * unit_rows), .C = C, .count = (int) (n * unit_rows) };

    if (n < units) {
      b[0] = sub_range (in, u0, n, unit_in * sizeof (float));
      b[3] = sub_range (out, u0, n, unit_rows * C * sizeof (float));
      if (residual)
        b[4] = sub_range (add, u0, n, (uint64_t) C * sizeof (float));
    }
    b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
    push.rows = args.rows;
    if (residual)
      push.L = args.rows;
    if (!record (cmd, ctx, SWIN_OP_LAYERNORM, &args, b, &push, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
swin_op_im2col (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *img, const SwinBinding *out,
                int B, int Cin, int H, int W, int P, GError **error)
{
  SwinIm2colPush push = { B, Cin, H, W, P };
  uint64_t count = (uint64_t) B * (H / MAX (P, 1)) * (W / MAX (P, 1)) * Cin * P * P;
  SwinBinding b[] = { *img, *out };
  uint64_t per_image = count / MAX (B, 1), chunk;

  BINDS (b, IM2COL, TEXEL (0));

  if (P <= 0 || B <= 0 || count == 0 || count > INT_MAX)
    return invalid (error, "im2col", "needs a positive patch size and 1 to INT_MAX values");
  chunk = chunk_units (ctx, (uint64_t) Cin * H * W, sizeof (float), per_image * sizeof (float));
  for (uint64_t b0 = 0; b0 < (uint64_t) B; b0 += chunk) {
    uint64_t n = MIN (chunk, (uint64_t) B - b0);
    SwinOpArgs args = { .count = (int) (n * per_image) };

    if (n < (uint64_t) B) {
      b[0] = sub_range (img, b0, n, (uint64_t) Cin * H * W * sizeof (float));
      b[1] = sub_range (out, b0, n, per_image * sizeof (float));
    }
    b[0].format = VK_FORMAT_R32_SFLOAT;
    push.batch = (int32_t) n;
    if (!record (cmd, ctx, SWIN_OP_IM2COL, &args, b, &push, error))
      return FALSE;
  }
  return TRUE;
}

/* The push constants of a window attention, FALSE for a geometry it cannot run. */
static gboolean
attention_push (const SwinAttnGeom *g, int B, int heads, gboolean cosine, SwinAttentionPush *push,
                GError **error)
{
  const int hd = heads > 0 ? g->C / heads : 0;

  if (heads <= 0 || g->C % heads != 0 || hd <= 0 || hd % 4 != 0 || g->ws <= 0 || B <= 0)
    return invalid (error, "attention", "needs a head dimension that is a positive multiple of 4");
  *push = (SwinAttentionPush) { g->H, g->W, g->Hp, g->Wp, g->ws, g->shift_h, g->shift_w, heads, g->C, g->M,
                                B, 1.0f / sqrtf ((float) hd), cosine };
  return TRUE;
}

static SwinOpArgs
attention_args (const SwinAttnGeom *g, int images, int heads, gboolean qkv)
{
  return (SwinOpArgs) { .n = g->ws * g->ws, .hd = g->C / heads,
                        .windows = (g->Hp / g->ws) * (g->Wp / g->ws), .bh = images * heads, .qkv = qkv };
}

/* Records @op, a window attention of @B images, in chunks of whole images:
 * @b[0] its input (@in, @in_floats floats a token), @b[3] its output (@out,
 * C a token). */
static gboolean
record_attention (SwinCmd *cmd, SwinContext *ctx, SwinOp op, SwinBinding *b, const SwinBinding *in,
                  const SwinBinding *out, uint64_t in_floats, int B, const SwinAttnGeom *g,
                  SwinAttentionPush *push, GError **error)
{
  uint64_t tokens = (uint64_t) g->H * g->W;
  uint64_t chunk = chunk_units (ctx, tokens * in_floats / 4, 16, tokens * g->C * sizeof (float));

  for (uint64_t b0 = 0; b0 < (uint64_t) B; b0 += chunk) {
    uint64_t n = MIN (chunk, (uint64_t) B - b0);
    SwinOpArgs args = attention_args (g, (int) n, push->heads, op == SWIN_OP_ATTENTION_QKV);

    if (n < (uint64_t) B) {
      b[0] = sub_range (in, b0, n, tokens * in_floats * sizeof (float));
      b[3] = sub_range (out, b0, n, tokens * g->C * sizeof (float));
    }
    b[0].format = b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
    b[2].format = VK_FORMAT_R32_SFLOAT;
    push->batch = (int32_t) n;
    if (!record (cmd, ctx, op, &args, b, push, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
swin_op_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                   const SwinBinding *qkv_bias, const SwinBinding *table,
                   const SwinBinding *out, int B, const SwinAttnGeom *g, int heads, gboolean cosine,
                   GError **error)
{
  SwinAttentionPush push;
  SwinBinding b[] = { *qkv, *qkv_bias, *table, *out };

  BINDS (b, ATTENTION, TEXEL (0) | TEXEL (1) | TEXEL (2));
  return attention_push (g, B, heads, cosine, &push, error) &&
         record_attention (cmd, ctx, SWIN_OP_ATTENTION, b, qkv, out, 3 * (uint64_t) g->C, B, g, &push, error);
}

gboolean
swin_op_attention_qkv_fits (SwinContext *ctx, const SwinAttnGeom *g, int heads)
{
  const SwinVariant *v = &swin_op_infos[SWIN_OP_ATTENTION_QKV].variants[0];
  SwinOpArgs args;
  char *why = NULL;
  gboolean fits;

  if (heads <= 0 || g->ws <= 0 || g->C % heads != 0)
    return FALSE;
  args = attention_args (g, 1, heads, TRUE);
  fits = v->fits (ctx, &args, &why);
  g_free (why);
  return fits;
}

gboolean
swin_op_attention_qkv (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *x, const SwinBinding *w,
                       const SwinBinding *gemm_bias, const SwinBinding *qkv_bias, const SwinBinding *table,
                       const SwinBinding *out, int B, const SwinAttnGeom *g, int heads, gboolean cosine,
                       GError **error)
{
  SwinAttentionPush push;
  SwinBinding b[] = { *x, *qkv_bias, *table, *out, *w, *gemm_bias };

  BINDS (b, ATTENTION_QKV, TEXEL (0) | TEXEL (1) | TEXEL (2) | TEXEL (4));
  /* packed weights are fp32 or fp16 texels, as for the GEMM */
  if (b[4].format != VK_FORMAT_R16G16B16A16_SFLOAT)
    b[4].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  return attention_push (g, B, heads, cosine, &push, error) &&
         record_attention (cmd, ctx, SWIN_OP_ATTENTION_QKV, b, x, out, (uint64_t) g->C, B, g, &push, error);
}

gboolean
swin_op_avgpool_norm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                      const SwinBinding *gamma, const SwinBinding *beta,
                      const SwinBinding *out, int B, int L, int C, GError **error)
{
  SwinAvgpoolNormPush push = { B, L, C };
  SwinBinding b[] = { *in, *gamma, *beta, *out };
  uint64_t chunk;

  BINDS (b, AVGPOOL_NORM, TEXEL (0) | TEXEL (1) | TEXEL (2));

  if (B <= 0 || L <= 0 || C <= 0 || C % 4 != 0)
    return invalid (error, "avgpool_norm", "needs B, L > 0 and C a positive multiple of 4");
  chunk = chunk_units (ctx, (uint64_t) L * C / 4, 16, (uint64_t) C * sizeof (float));
  for (uint64_t b0 = 0; b0 < (uint64_t) B; b0 += chunk) {
    uint64_t n = MIN (chunk, (uint64_t) B - b0);
    SwinOpArgs args = { .C = C, .images = (int) n };

    if (n < (uint64_t) B) {
      b[0] = sub_range (in, b0, n, (uint64_t) L * C * sizeof (float));
      b[3] = sub_range (out, b0, n, (uint64_t) C * sizeof (float));
    }
    b[0].format = b[1].format = b[2].format = VK_FORMAT_R32G32B32A32_SFLOAT;
    push.batch = (int32_t) n;
    if (!record (cmd, ctx, SWIN_OP_AVGPOOL, &args, b, &push, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
swin_op_preprocess (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *src, const SwinBinding *dst,
                    const SwinBinding *slots, int out_w, int out_h, int n_slots, GError **error)
{
  SwinPreprocessPush push = { out_w, out_h };
  SwinOpArgs args = { .out_w = out_w, .out_h = out_h, .slots = n_slots };
  SwinBinding b[] = { *src, *dst, *slots };

  BINDS (b, PREPROCESS, 0);

  if (out_w <= 0 || out_h <= 0 || n_slots <= 0)
    return invalid (error, "preprocess", "needs a non-empty output");
  return record (cmd, ctx, SWIN_OP_PREPROCESS, &args, b, &push, error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel variants of each operation, in order of preference: their
 * shaders, what each needs of the device and the sizes, and how each is
 * specialised and dispatched. */
#include "swin_op_private.h"

#include <limits.h>
#include <math.h>
#include "gemm.spv.h"
#include "gemm_shuffle.spv.h"
#include "gemm_tiled.spv.h"
#include "gemm_tiled_f16.spv.h"
#include "gemm_coopmat.spv.h"
#include "layernorm.spv.h"
#include "layernorm_rows.spv.h"
#include "im2col.spv.h"
#include "attention.spv.h"
#include "attention_shuffle.spv.h"
#include "attention_wg.spv.h"
#include "attention_qkv.spv.h"
#include "avgpool_norm.spv.h"
#include "preprocess.spv.h"
#include "gemm.iface.h"
#include "gemm_shuffle.iface.h"
#include "gemm_tiled.iface.h"
#include "gemm_tiled_f16.iface.h"
#include "gemm_coopmat.iface.h"
#include "layernorm.iface.h"
#include "layernorm_rows.iface.h"
#include "im2col.iface.h"
#include "attention.iface.h"
#include "attention_shuffle.iface.h"
#include "attention_wg.iface.h"
#include "attention_qkv.iface.h"
#include "avgpool_norm.iface.h"
#include "preprocess.iface.h"
#include "gemm_push.h"
#include "layernorm_push.h"
#include "im2col_push.h"
#include "attention_push.h"
#include "avgpool_norm_push.h"

/* ---- the interfaces, checked at build time ----
 * shaders/reflect_interface.py reads each shader's bindings and push-block
 * size from its SPIR-V (<name>.iface.h: SWIN_SPV_<NAME>_BINDINGS, _TEXELS,
 * _PUSH_SIZE).  The table below takes its descriptor types from there; the
 * asserts make the build fail where a variant's interface differs from its
 * operation's or a push struct from the shader's block (BINDS, in
 * swin_op_private.h: what a recording function binds from what the shader
 * declares). */
#define TYPE(texels, i) ((texels) & TEXEL (i) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER \
                                              : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER)
#define TYPES(t) { TYPE (t, 0), TYPE (t, 1), TYPE (t, 2), TYPE (t, 3), TYPE (t, 4), TYPE (t, 5), \
                   TYPE (t, 6), TYPE (t, 7) }
/* An operation's bindings, their types and its push struct, from shader @spv. */
#define IFACE(spv, push_type) \
  SWIN_SPV_##spv##_BINDINGS, TYPES (SWIN_SPV_##spv##_TEXELS), sizeof (push_type)
#define SAME_IFACE(a, b)                                                                        \
  G_STATIC_ASSERT (SWIN_SPV_##a##_BINDINGS == SWIN_SPV_##b##_BINDINGS &&                        \
                   SWIN_SPV_##a##_TEXELS == SWIN_SPV_##b##_TEXELS &&                            \
                   SWIN_SPV_##a##_PUSH_SIZE == SWIN_SPV_##b##_PUSH_SIZE)
#define PUSH_IS(spv, push_type) G_STATIC_ASSERT (SWIN_SPV_##spv##_PUSH_SIZE == sizeof (push_type))

G_STATIC_ASSERT (SWIN_MAX_BINDINGS == 8);   /* TYPES() */
SAME_IFACE (GEMM_SHUFFLE, GEMM);
SAME_IFACE (GEMM_TILED, GEMM);
SAME_IFACE (GEMM_TILED_F16, GEMM);
SAME_IFACE (GEMM_COOPMAT, GEMM);
SAME_IFACE (LAYERNORM_ROWS, LAYERNORM);
SAME_IFACE (ATTENTION_WG, ATTENTION);
SAME_IFACE (ATTENTION_SHUFFLE, ATTENTION);
PUSH_IS (GEMM, SwinGemmPush);
PUSH_IS (LAYERNORM, SwinLayernormPush);
PUSH_IS (IM2COL, SwinIm2colPush);
PUSH_IS (ATTENTION, SwinAttentionPush);
PUSH_IS (ATTENTION_QKV, SwinAttentionPush);
PUSH_IS (AVGPOOL_NORM, SwinAvgpoolNormPush);
PUSH_IS (PREPROCESS, SwinPreprocessPush);
static uint32_t
div_up (uint64_t a, uint64_t b)
{
  return (uint32_t) ((a + b - 1) / b);
}

/* The Vulkan minimum of maxComputeWorkGroupCount[0..2].  A run of more
 * workgroups than that (im2col of a large batch has millions) is spread over
 * two dimensions, which the shaders number back (shaders/grid.glsl). */
#define SWIN_GRID_MAX 65535u

/* @groups workgroups as @lo (fastest) x @hi. */
static void
spread (uint64_t groups, uint32_t *lo, uint32_t *hi)
{
  groups = MAX (groups, 1);
  *lo = (uint32_t) MIN (groups, SWIN_GRID_MAX);
  *hi = div_up (groups, *lo);
}

/* The workgroup rows of lavapipe's kernels (gemm.comp, attention.comp): 8
 * invocations along x, which llvmpipe runs as one SIMD vector at 256 bits
 * (16 and 4 wide measured slower, docs/lavapipe-gemm.md). */
#define SWIN_LANES 8

/* The kernels that share fetches through subgroup shuffles (gemm_shuffle,
 * attention_shuffle): a row of SWIN_LANES invocations along x must be one
 * subgroup, as on lavapipe (a SIMD vector of 8 lanes at 256 bits).  The
 * shaders take the subgroup to be that row, which llvmpipe's consecutive
 * packing of invocations into vectors guarantees; the kernel tests check it
 * on whichever device runs them. */
gboolean
swin_lanes_shuffle (const SwinContext *ctx)
{
  return ctx->subgroup_shuffle && ctx->subgroup_size == SWIN_LANES;
}

static gboolean
lanes_shuffle_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  if (swin_lanes_shuffle (ctx))
    return TRUE;
  *why = !ctx->subgroup_shuffle ? g_strdup ("no subgroup shuffles in compute shaders")
                                : g_strdup_printf ("subgroups of %u invocations, not %d",
                                                   ctx->subgroup_size, SWIN_LANES);
  return FALSE;
}

/* ---- GEMM ---- */

/* Register-tile GEMM (gemm.comp: gemm, gemm_shuffle): vec4 columns per
 * invocation: two halve the fetches of the shared A rows, unless that leaves
 * more lanes of the last workgroup idle than one. */
static int
gemm_columns (int n4, int wg_x)
{
  int waste1 = div_up (n4, wg_x) * wg_x - n4;
  int waste2 = div_up (n4, 2 * wg_x) * 2 * wg_x - n4;
  return waste2 <= waste1 ? 2 : 1;
}

/* Rows per invocation: the candidate that leaves the fewest padding rows in
 * the last workgroup row (Swin's token counts are 49 * 4^k: 16 rows fit
 * 3136, 14 fit 784, 7 fit 196), the larger on ties. */
static int
gemm_rows (int M, int wg_y)
{
  static const int candidates[] = { 16, 14, 12, 8, 7 };
  int best = 16, best_waste = INT_MAX;

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++) {
    int rows = candidates[i] * wg_y;
    int waste = (int) div_up (M, rows) * rows - M;
    if (waste < best_waste) {
      best = candidates[i];
      best_waste = waste;
    }
  }
  return best;
}

/* The constants every GEMM variant declares after its own two (ids 5-8):
 * how A is read and the output stored; returns how many. */
static int
gemm_flags (const SwinOpArgs *a, uint32_t *spec)
{
  spec[0] = a->vec_out;
  spec[1] = a->norm_a;
  spec[2] = a->gather;
  spec[3] = a->patches;
  return 4;
}

static int
gemm_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = SWIN_LANES;
  local[1] = 4;
  spec[0] = gemm_rows (a->M, local[1]);
  spec[1] = gemm_columns (div_up (a->N, 4), local[0]);
  return 2 + gemm_flags (a, spec + 2);
}

static void
gemm_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (div_up (div_up (a->N, 4), spec[1]), local[0]);
  spread (div_up (a->M, (uint64_t) spec[0] * local[1]), &g[1], &g[2]);
}

/* Shared-memory GEMM (gemm_tiled.comp): T x T invocations, 4T x 4T tiles. */
static int
gemm_tiled_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = local[1] = 16;
  /* the register-tile constants do not apply: fixed, so that they do not
   * multiply the pipelines */
  spec[0] = spec[1] = 0;
  return 2 + gemm_flags (a, spec + 2);
}

static void
gemm_tiled_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (div_up (a->N, 4), local[0]);
  spread (div_up (a->M, 4 * local[1]), &g[1], &g[2]);
}

/* fp16 arithmetic is asked for by fp16 weights (SWIN_PRECISION_FP16): fp32
 * weights keep fp32 arithmetic everywhere. */
static gboolean
gemm_tiled_f16_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  if (!a->half_w)
    *why = g_strdup ("fp32 weights");
  else if (!ctx->shader_f16)
    *why = g_strdup ("the device has no fp16 arithmetic (shaderFloat16)");
  return *why == NULL;
}

/* Tensor-core GEMM (gemm_coopmat.comp): 2 x 2 subgroups, 64 x 64 tiles. */
#define GEMM_COOPMAT_TILE 64

static gboolean
gemm_coopmat_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  if (!a->half_w)
    *why = g_strdup ("fp32 weights");
  else if (!ctx->coopmat)
    *why = g_strdup ("the device has no fp16 cooperative matrices (VK_NV_cooperative_matrix)");
  /* the shader's loaders take 4 or 2 texels of the A tile each */
  else if (ctx->subgroup_size != 32 && ctx->subgroup_size != 64)
    *why = g_strdup_printf ("subgroups of %u invocations, not 32 or 64", ctx->subgroup_size);
  return *why == NULL;
}

static int
gemm_coopmat_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  int n;

  local[0] = 4 * ctx->subgroup_size;
  spec[0] = ctx->coopmat_shape[0];
  spec[1] = ctx->coopmat_shape[1];
  n = 2 + gemm_flags (a, spec + 2);
  spec[n] = ctx->coopmat_shape[2];   /* LK */
  return n + 1;
}

static void
gemm_coopmat_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (a->N, GEMM_COOPMAT_TILE);
  spread (div_up (a->M, GEMM_COOPMAT_TILE), &g[1], &g[2]);
}

/* ---- LayerNorm ---- */

/* Rows over 1024 channels are not cached in private memory: 16 KiB per
 * invocation exceeds some GPUs' local memory (NVIDIA refused 24 KiB). */
#define LAYERNORM_MAX_CACHED 1024

static gboolean
layernorm_private_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  if (a->C <= LAYERNORM_MAX_CACHED)
    return TRUE;
  *why = g_strdup_printf ("rows of %d channels exceed the %d cached in private memory", a->C,
                          LAYERNORM_MAX_CACHED);
  return FALSE;
}

static int
layernorm_private_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 64;
  spec[0] = a->C / 4;
  spec[1] = TRUE;
  return 2;
}

static int
layernorm_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 64;
  spec[0] = 1;
  spec[1] = FALSE;
  return 2;
}

static int
layernorm_rows_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 64;   /* a power of two: the shader's reduction halves it */
  return 0;
}

static void
layernorm_rows_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  spread (a->rows, &g[0], &g[1]);
  g[2] = 1;
}

/* ---- attention ---- */

/* Shared memory of the window-per-workgroup kernels: keys, values and mask
 * regions, and for attention_qkv.comp its chunk of 16 k steps of the head's
 * 3 x hd weight columns. */
static size_t
attention_wg_shared (const SwinOpArgs *a)
{
  return (size_t) a->n * (2 * a->hd * sizeof (float) + sizeof (int32_t)) +
         (a->qkv ? (size_t) 16 * 3 * a->hd * sizeof (float) : 0);
}

/* An invocation per token, rounded to whole warps; attention_qkv.comp: three
 * (its query, key and value). */
static uint32_t
attention_wg_threads (const SwinOpArgs *a)
{
  return (uint32_t) (a->n + 31) / 32 * 32 * (a->qkv ? 3 : 1);
}

static gboolean
attention_wg_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
  uint32_t threads = attention_wg_threads (a);

  if (attention_wg_shared (a) > lim->maxComputeSharedMemorySize) {
    *why = g_strdup_printf ("a window of %d tokens at head dim %d needs %zu bytes of shared memory; "
                            "the device has %u", a->n, a->hd, attention_wg_shared (a),
                            lim->maxComputeSharedMemorySize);
    return FALSE;
  }
  if (threads > lim->maxComputeWorkGroupSize[0] || threads > lim->maxComputeWorkGroupInvocations) {
    *why = g_strdup_printf ("a window of %d tokens needs %u invocations per workgroup", a->n, threads);
    return FALSE;
  }
  return TRUE;
}

static int
attention_wg_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = attention_wg_threads (a);
  spec[0] = a->n;
  spec[1] = a->hd / 4;
  return 2;
}

static void
attention_wg_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = 1;
  spread ((uint64_t) a->windows * a->bh, &g[1], &g[2]);
}

/* attention.comp: a window row of queries per invocation (half a row for
 * windows over 8), sharing every key and value fetch among them. */
static int
attention_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  int ws = (int) lround (sqrt (a->n));

  /* Swin's 7 query rows of a window fill one vector of SWIN_LANES, where 16
   * left a second one idle */
  local[0] = SWIN_LANES;
  spec[0] = a->n;
  spec[1] = a->hd / 4;
  spec[2] = ws <= 8 ? ws : (ws + 1) / 2;
  return 3;
}

static void
attention_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (div_up (a->n, spec[2]), local[0]);
  spread ((uint64_t) a->windows * a->bh, &g[1], &g[2]);
}

/* ---- one value per invocation ---- */

static int
linear_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 64;
  return 0;
}

static void
linear_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  spread (div_up (a->count, local[0]), &g[0], &g[1]);
  g[2] = 1;
}

static int
preprocess_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = local[1] = 8;
  return 0;
}

static void
preprocess_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (a->out_w, local[0]);
  g[1] = div_up (a->out_h, local[1]);
  g[2] = a->slots;   /* at most the runner's batch: within SWIN_GRID_MAX */
}

/* A workgroup per image (avgpool_norm.comp). */
#define AVGPOOL_NORM_THREADS 64

static int
avgpool_norm_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = AVGPOOL_NORM_THREADS;
  spec[0] = div_up (a->C / 4, AVGPOOL_NORM_THREADS);
  return 1;
}

static void
avgpool_norm_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = 1;
  spread (a->images, &g[1], &g[2]);
}

#define SPV(name) swin_spv_##name, sizeof (swin_spv_##name)

const SwinOpInfo swin_op_infos[SWIN_OP_COUNT] = {
  [SWIN_OP_GEMM] = { "gemm", IFACE (GEMM, SwinGemmPush), {
      { "gemm_coopmat", SPV (gemm_coopmat), TRUE, gemm_coopmat_fits, gemm_coopmat_spec, gemm_coopmat_grid },
      { "gemm_tiled_f16", SPV (gemm_tiled_f16), TRUE, gemm_tiled_f16_fits, gemm_tiled_spec,
        gemm_tiled_grid },
      { "gemm_tiled", SPV (gemm_tiled), TRUE, NULL, gemm_tiled_spec, gemm_tiled_grid },
      { "gemm_shuffle", SPV (gemm_shuffle), FALSE, lanes_shuffle_fits, gemm_spec, gemm_grid },
      { "gemm", SPV (gemm), FALSE, NULL, gemm_spec, gemm_grid },
  } },
  [SWIN_OP_LAYERNORM] = { "layernorm", IFACE (LAYERNORM, SwinLayernormPush), {
      { "layernorm_rows", SPV (layernorm_rows), TRUE, NULL, layernorm_rows_spec, layernorm_rows_grid },
      { "layernorm_private", SPV (layernorm), FALSE, layernorm_private_fits, layernorm_private_spec,
        linear_grid },
      { "layernorm", SPV (layernorm), FALSE, NULL, layernorm_spec, linear_grid },
  } },
  [SWIN_OP_IM2COL] = { "im2col", IFACE (IM2COL, SwinIm2colPush), {
      { "im2col", SPV (im2col), FALSE, NULL, linear_spec, linear_grid },
  } },
  [SWIN_OP_ATTENTION] = { "attention", IFACE (ATTENTION, SwinAttentionPush), {
      { "attention_wg", SPV (attention_wg), TRUE, attention_wg_fits, attention_wg_spec, attention_wg_grid },
      { "attention_shuffle", SPV (attention_shuffle), FALSE, lanes_shuffle_fits, attention_spec,
        attention_grid },
      { "attention", SPV (attention), FALSE, NULL, attention_spec, attention_grid },
  } },
  /* GPUs only by what records it: the plan's LayerNorm-folded path */
  [SWIN_OP_ATTENTION_QKV] = { "attention_qkv", IFACE (ATTENTION_QKV, SwinAttentionPush), {
      { "attention_qkv", SPV (attention_qkv), FALSE, attention_wg_fits, attention_wg_spec,
        attention_wg_grid },
  } },
  [SWIN_OP_AVGPOOL] = { "avgpool", IFACE (AVGPOOL_NORM, SwinAvgpoolNormPush), {
      { "avgpool_norm", SPV (avgpool_norm), FALSE, NULL, avgpool_norm_spec, avgpool_norm_grid },
  } },
  [SWIN_OP_PREPROCESS] = { "preprocess", IFACE (PREPROCESS, SwinPreprocessPush), {
      { "preprocess", SPV (preprocess), FALSE, NULL, preprocess_spec, preprocess_grid },
  } },
};

const char *
swin_op_name (SwinOp op)
{
  return (unsigned) op < SWIN_OP_COUNT ? swin_op_infos[op].name : "unknown";
}

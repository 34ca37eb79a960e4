/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of operations and kernel variants, the choice among variants,
 * and the recording of each operation. */
#include "swin_op.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "gemm.spv.h"
#include "gemm_tiled.spv.h"
#include "gemm_tiled_f16.spv.h"
#include "gemm_coopmat.spv.h"
#include "layernorm.spv.h"
#include "layernorm_rows.spv.h"
#include "im2col.spv.h"
#include "attention.spv.h"
#include "attention_wg.spv.h"
#include "avgpool_norm.spv.h"
#include "preprocess.spv.h"
#include "gemm.iface.h"
#include "gemm_tiled.iface.h"
#include "gemm_tiled_f16.iface.h"
#include "gemm_coopmat.iface.h"
#include "layernorm.iface.h"
#include "layernorm_rows.iface.h"
#include "im2col.iface.h"
#include "attention.iface.h"
#include "attention_wg.iface.h"
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
 * operation's, a push struct from the shader's block, or what a recording
 * function binds from what the shader declares. */
#define TEXEL(i) (1u << (i))
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
/* The bindings array @b of a recording function, @texels those it gives a texel format. */
#define BINDS(b, spv, texels) \
  G_STATIC_ASSERT (G_N_ELEMENTS (b) == SWIN_SPV_##spv##_BINDINGS && (texels) == SWIN_SPV_##spv##_TEXELS)

G_STATIC_ASSERT (SWIN_MAX_BINDINGS == 8);   /* TYPES() */
SAME_IFACE (GEMM_TILED, GEMM);
SAME_IFACE (GEMM_TILED_F16, GEMM);
SAME_IFACE (GEMM_COOPMAT, GEMM);
SAME_IFACE (LAYERNORM_ROWS, LAYERNORM);
SAME_IFACE (ATTENTION_WG, ATTENTION);
PUSH_IS (GEMM, SwinGemmPush);
PUSH_IS (LAYERNORM, SwinLayernormPush);
PUSH_IS (IM2COL, SwinIm2colPush);
PUSH_IS (ATTENTION, SwinAttentionPush);
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

/* What the variants of an operation need to know of one recording. */
typedef struct {
  int M, N, K;           /* gemm */
  int rows, C;           /* layernorm */
  int n, hd;             /* attention: tokens per window, head dimension */
  int windows, bh;       /* attention: windows per image, batch * heads */
  int count;             /* im2col: output values */
  int images;            /* avgpool_norm: a workgroup each */
  int out_w, out_h;      /* preprocess */
  int slots;             /* preprocess: images */
  gboolean vec_out;      /* gemm: N % 4 == 0 */
  gboolean norm_a, gather, patches;  /* gemm: SwinGemmParams */
  gboolean half_w;       /* gemm: fp16 weights (SWIN_PRECISION_FP16) */
} SwinOpArgs;

typedef struct {
  const char *name;
  const uint32_t *spv;
  size_t spv_size;
  /* Chosen automatically only on devices that run workgroups cooperatively
   * (GPUs); on lavapipe such kernels pay for barriers and gain nothing. */
  gboolean gpu_only;
  /* Hard requirements (device limits, sizes); NULL: none.  Sets @why. */
  gboolean (*fits) (const SwinContext *ctx, const SwinOpArgs *a, char **why);
  /* Workgroup size and the shader's own specialisation constants (ids 3...);
   * returns how many of those. */
  int (*specialise) (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec);
  void (*grid) (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3]);
} SwinVariant;

#define SWIN_MAX_VARIANTS 4

typedef struct {
  const char *name;
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS];
  uint32_t push_size;
  SwinVariant variants[SWIN_MAX_VARIANTS];  /* in order of preference */
} SwinOpInfo;

/* ---- GEMM ---- */

/* Register-tile GEMM (gemm.comp): vec4 columns per invocation: two halve the
 * fetches of the shared A rows, unless that leaves more lanes of the last
 * workgroup idle than one. */
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

static int
gemm_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 8;
  local[1] = 4;
  spec[0] = gemm_rows (a->M, local[1]);
  spec[1] = gemm_columns (div_up (a->N, 4), local[0]);
  spec[2] = a->vec_out;
  spec[3] = a->norm_a;
  spec[4] = a->gather;
  spec[5] = a->patches;
  return 6;
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
  spec[2] = a->vec_out;
  spec[3] = a->norm_a;
  spec[4] = a->gather;
  spec[5] = a->patches;
  return 6;
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
  local[0] = 4 * ctx->subgroup_size;
  spec[0] = ctx->coopmat_shape[0];
  spec[1] = ctx->coopmat_shape[1];
  spec[2] = a->vec_out;
  spec[3] = a->norm_a;
  spec[4] = a->gather;
  spec[5] = a->patches;
  spec[6] = ctx->coopmat_shape[2];
  return 7;
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

static size_t
attention_wg_shared (const SwinOpArgs *a)
{
  return (size_t) a->n * (2 * a->hd * sizeof (float) + sizeof (int32_t));
}

static uint32_t
attention_wg_threads (const SwinOpArgs *a)
{
  return (uint32_t) (a->n + 31) / 32 * 32;
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

  /* llvmpipe runs 8 invocations along x at once: Swin's 7 query rows of
   * a window fill one such vector, where 16 left a second one idle */
  local[0] = 8;
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

static const SwinOpInfo ops[SWIN_OP_COUNT] = {
  [SWIN_OP_GEMM] = { "gemm", IFACE (GEMM, SwinGemmPush), {
      { "gemm_coopmat", SPV (gemm_coopmat), TRUE, gemm_coopmat_fits, gemm_coopmat_spec, gemm_coopmat_grid },
      { "gemm_tiled_f16", SPV (gemm_tiled_f16), TRUE, gemm_tiled_f16_fits, gemm_tiled_spec,
        gemm_tiled_grid },
      { "gemm_tiled", SPV (gemm_tiled), TRUE, NULL, gemm_tiled_spec, gemm_tiled_grid },
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
      { "attention", SPV (attention), FALSE, NULL, attention_spec, attention_grid },
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
  return (unsigned) op < SWIN_OP_COUNT ? ops[op].name : "unknown";
}

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
    for (int i = 0; i < variant_count (&ops[op]); i++)
      if (strcmp (ops[op].variants[i].name, variant) == 0)
        index = i + 1;
    if (index == 0) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "operation %s has no variant \"%s\"",
                   ops[op].name, variant);
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
  const SwinOpInfo *info = &ops[op];
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
        swin_log (ctx, SWIN_LOG_DEBUG, "%s: variant %s skipped: %s", info->name, v->name, why);
        g_clear_pointer (&why, g_free);
        continue;
      }
      index = i;
    }
  }
  /* The last variant of each operation has no requirement: always found. */
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
  const SwinOpInfo *info = &ops[op];
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

gboolean
swin_op_gemm_normalises (SwinContext *ctx)
{
  const SwinOpInfo *info = &ops[SWIN_OP_GEMM];
  int forced;

  g_mutex_lock (&ctx->cache_lock);
  forced = op_state (ctx)->forced[SWIN_OP_GEMM];
  g_mutex_unlock (&ctx->cache_lock);
  if (forced)
    return strcmp (info->variants[forced - 1].name, "gemm") != 0;
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
                : patches ? (uint64_t) (params->gather_h / MAX (P, 1)) * (params->gather_w / MAX (P, 1)) : 1;
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

gboolean
swin_op_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                   const SwinBinding *qkv_bias, const SwinBinding *table,
                   const SwinBinding *out, int B, const SwinAttnGeom *g, int heads, gboolean cosine,
                   GError **error)
{
  const int hd = heads > 0 ? g->C / heads : 0;
  SwinAttentionPush push = { g->H, g->W, g->Hp, g->Wp, g->ws, g->shift_h, g->shift_w, heads, g->C, g->M, B,
             hd > 0 ? 1.0f / sqrtf ((float) hd) : 0.0f, cosine };
  SwinBinding b[] = { *qkv, *qkv_bias, *table, *out };
  uint64_t tokens = (uint64_t) g->H * g->W, chunk;

  BINDS (b, ATTENTION, TEXEL (0) | TEXEL (1) | TEXEL (2));
  if (heads <= 0 || g->C % heads != 0 || hd % 4 != 0 || g->ws <= 0 || B <= 0)
    return invalid (error, "attention", "needs a head dimension that is a multiple of 4");
  chunk = chunk_units (ctx, tokens * 3 * g->C / 4, 16, tokens * g->C * sizeof (float));
  for (uint64_t b0 = 0; b0 < (uint64_t) B; b0 += chunk) {
    uint64_t n = MIN (chunk, (uint64_t) B - b0);
    SwinOpArgs args = { .n = g->ws * g->ws, .hd = hd,
                        .windows = (g->Hp / g->ws) * (g->Wp / g->ws), .bh = (int) n * heads };

    if (n < (uint64_t) B) {
      b[0] = sub_range (qkv, b0, n, tokens * 3 * g->C * sizeof (float));
      b[3] = sub_range (out, b0, n, tokens * g->C * sizeof (float));
    }
    b[0].format = b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
    b[2].format = VK_FORMAT_R32_SFLOAT;
    push.batch = (int32_t) n;
    if (!record (cmd, ctx, SWIN_OP_ATTENTION, &args, b, &push, error))
      return FALSE;
  }
  return TRUE;
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

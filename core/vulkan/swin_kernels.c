/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of operations and kernel variants, the choice among variants,
 * and the recording of each operation. */
#include "swin_kernels.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "gemm.spv.h"
#include "gemm_tiled.spv.h"
#include "gemm_tiled_f16.spv.h"
#include "gemm_coopmat.spv.h"
#include "gemm_reduce.spv.h"
#include "layernorm.spv.h"
#include "layernorm_rows.spv.h"
#include "rowstats.spv.h"
#include "rowstats_rows.spv.h"
#include "im2col.spv.h"
#include "attention.spv.h"
#include "attention_wg.spv.h"
#include "avgpool.spv.h"
#include "preprocess.spv.h"

#define SB VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
#define TB VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER

static uint32_t
div_up (uint64_t a, uint64_t b)
{
  return (uint32_t) ((a + b - 1) / b);
}

/* What the variants of an operation need to know of one recording. */
typedef struct {
  int M, N, K;           /* gemm */
  int rows, C;           /* layernorm */
  int n, hd;             /* attention: tokens per window, head dimension */
  int windows, bh;       /* attention: windows per image, batch * heads */
  int count;             /* im2col, avgpool: output values */
  int out_w, out_h;      /* preprocess */
  gboolean vec_out;      /* gemm: N % 4 == 0 */
  gboolean half_w;       /* gemm: fp16 weights */
  gboolean norm;         /* gemm: A rows normalised by their statistics */
  int split;             /* gemm: K slices of the split-K variants (< 2: they cannot run) */
  gboolean split_pays;   /* gemm: the unsplit grid leaves compute units idle */
  VkDeviceSize scratch;  /* gemm: bytes of scratch for split-K partial sums (0: none) */
} SwinOpArgs;

typedef struct {
  const char *name;
  const uint32_t *spv;
  size_t spv_size;
  /* Chosen automatically only on devices that run workgroups cooperatively
   * (GPUs); on lavapipe such kernels pay for barriers and gain nothing. */
  gboolean gpu_only;
  /* Hard requirements (device features and limits, sizes); NULL: none.
   * Sets @why.  A forced variant must fit. */
  gboolean (*fits) (const SwinContext *ctx, const SwinOpArgs *a, char **why);
  /* Preference beyond gpu_only: whether the automatic choice takes this
   * variant for @a (NULL: always, where it fits).  Ignored when forced. */
  gboolean (*pays) (const SwinContext *ctx, const SwinOpArgs *a);
  /* Workgroup size and the shader's own specialisation constants (ids 3...);
   * returns how many of those. */
  int (*specialise) (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec);
  void (*grid) (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3]);
  /* Split-K: the dispatch leaves partial sums in the scratch buffer and is
   * followed by SWIN_OP_GEMM_REDUCE. */
  gboolean split;
} SwinVariant;

#define SWIN_MAX_VARIANTS 8

typedef struct {
  const char *name;
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS];
  uint32_t push_size;
  SwinVariant variants[SWIN_MAX_VARIANTS];  /* in order of preference */
} SwinOpInfo;

/* ---- GEMM ---- */

/* Output tile of the GPU GEMM variants (gemm_tiled.comp, gemm_coopmat.comp). */
#define GEMM_TILE 64
/* Split-K slices are whole multiples of the variants' K steps (16, 32). */
#define SPLIT_ALIGN 32
#define SPLIT_MAX 8
/* Shorter slices would spend more on the partial sums than they save. */
#define SPLIT_MIN_K 128

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

/* The constants every GEMM shader shares (gemm_common.glsl, ids 5-7). */
static void
gemm_common_spec (const SwinOpArgs *a, gboolean split, uint32_t *spec)
{
  spec[2] = a->vec_out;
  spec[3] = a->norm;
  spec[4] = split;
}

static int
gemm_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 8;
  local[1] = 4;
  spec[0] = gemm_rows (a->M, local[1]);
  spec[1] = gemm_columns (div_up (a->N, 4), local[0]);
  gemm_common_spec (a, FALSE, spec);
  return 5;
}

static void
gemm_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (div_up (div_up (a->N, 4), spec[1]), local[0]);
  g[1] = div_up (a->M, (uint64_t) spec[0] * local[1]);
  g[2] = 1;
}

/* Shared-memory GEMM (gemm_tiled.comp): 16 x 16 invocations, 64 x 64 tiles. */
static int
gemm_tiled_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = local[1] = GEMM_TILE / 4;
  /* the register-tile constants do not apply: fixed, so that they do not
   * multiply the pipelines */
  spec[0] = spec[1] = 0;
  gemm_common_spec (a, FALSE, spec);
  return 5;
}

static int
gemm_tiled_split_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  gemm_tiled_spec (ctx, a, local, spec);
  spec[4] = TRUE;
  return 5;
}

/* Tiles of 64 x 64 outputs (tiled and cooperative-matrix variants), one
 * layer per K slice when split. */
static void
gemm_tile_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (a->N, GEMM_TILE);
  g[1] = div_up (a->M, GEMM_TILE);
  g[2] = spec[4] ? (uint32_t) a->split : 1;
}

/* fp16 arithmetic is for fp16 weights only: fp32 stays exact fp32. */
static gboolean
gemm_f16_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  if (!a->half_w) {
    *why = g_strdup ("fp32 weights keep fp32 arithmetic");
    return FALSE;
  }
  if (!ctx->shader_f16) {
    *why = g_strdup ("the device has no shaderFloat16");
    return FALSE;
  }
  return TRUE;
}

/* Cooperative matrices (gemm_coopmat.comp): 4 subgroups per workgroup. */
#define COOPMAT_SHARED ((64 * 40 + 32 * 72) * 2 + 64 * 68 * 4)   /* bytes: As, Bs, Cs */

static gboolean
gemm_coopmat_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;

  if (!gemm_f16_fits (ctx, a, why))
    return FALSE;
  if (!ctx->coopmat) {
    *why = g_strdup ("the device has no VK_NV_cooperative_matrix with fp16 inputs and fp32 sums");
    return FALSE;
  }
  if (4 * ctx->subgroup_size > lim->maxComputeWorkGroupInvocations ||
      4 * ctx->subgroup_size > lim->maxComputeWorkGroupSize[0] || COOPMAT_SHARED > lim->maxComputeSharedMemorySize) {
    *why = g_strdup_printf ("needs workgroups of 4 subgroups of %u and %d bytes of shared memory",
                            ctx->subgroup_size, COOPMAT_SHARED);
    return FALSE;
  }
  return TRUE;
}

static int
gemm_coopmat_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 4 * ctx->subgroup_size;
  spec[0] = ctx->coopmat_shape[0];
  spec[1] = ctx->coopmat_shape[1];
  gemm_common_spec (a, FALSE, spec);
  spec[5] = ctx->coopmat_shape[2];
  return 6;
}

static int
gemm_coopmat_split_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  gemm_coopmat_spec (ctx, a, local, spec);
  spec[4] = TRUE;
  return 6;
}

/* Split-K: room for the slices' partial sums.  (A forced split variant
 * runs a GEMM too short to split as a single slice.) */
static gboolean
split_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  VkDeviceSize need = (VkDeviceSize) a->split * a->M * div_up (a->N, 4) * 16;

  if (a->scratch < need) {
    *why = g_strdup_printf ("%d slices of partial sums need %" G_GUINT64_FORMAT " bytes of scratch; "
                            "%" G_GUINT64_FORMAT " given", a->split, (guint64) need, (guint64) a->scratch);
    return FALSE;
  }
  return TRUE;
}

static gboolean
split_pays (const SwinContext *ctx, const SwinOpArgs *a)
{
  return a->split_pays;
}

static gboolean
gemm_tiled_split_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  return split_fits (ctx, a, why);
}

static gboolean
gemm_tiled_f16_split_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  return gemm_f16_fits (ctx, a, why) && split_fits (ctx, a, why);
}

static gboolean
gemm_coopmat_split_fits (const SwinContext *ctx, const SwinOpArgs *a, char **why)
{
  return gemm_coopmat_fits (ctx, a, why) && split_fits (ctx, a, why);
}

/* K slices for the split-K variants: where the unsplit grid of 64 x 64
 * tiles leaves compute units idle (batch 1 in the late stages: Swin-T's
 * last fc2 has 12 tiles for an H200's 132 SMs), enough slices to fill them
 * once, each at least SPLIT_MIN_K long; else (only forced runs take a split
 * variant then) up to four slices of at least SPLIT_ALIGN.  Sets @a->split
 * and @a->split_pays; returns the K values per slice. */
static int
gemm_split (const SwinContext *ctx, SwinOpArgs *a)
{
  uint32_t tiles = div_up (a->M, GEMM_TILE) * div_up (a->N, GEMM_TILE);
  int slices = 1, k_slice;

  if (ctx->compute_units > tiles)
    slices = MIN ((int) div_up (ctx->compute_units, tiles), MIN (SPLIT_MAX, a->K / SPLIT_MIN_K));
  a->split_pays = slices >= 2;
  if (!a->split_pays)
    slices = MIN (4, (int) div_up (a->K, SPLIT_ALIGN));
  k_slice = (int) div_up (div_up (a->K, MAX (slices, 1)), SPLIT_ALIGN) * SPLIT_ALIGN;
  a->split = (int) div_up (a->K, k_slice);
  return k_slice;
}

/* The sum of the slices (gemm_reduce.comp): a vec4 per invocation. */
static int
gemm_reduce_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  local[0] = 64;
  spec[0] = spec[1] = 0;
  gemm_common_spec (a, FALSE, spec);
  spec[3] = FALSE;
  return 5;
}

static void
gemm_reduce_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up ((uint64_t) a->M * div_up (a->N, 4), local[0]);
  g[1] = g[2] = 1;
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
  /* rows over a 2D grid: 65535 is the guaranteed maxComputeWorkGroupCount */
  g[0] = MIN ((uint32_t) a->rows, 65535u);
  g[1] = div_up (a->rows, g[0]);
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
  g[1] = a->windows;
  g[2] = a->bh;
}

/* attention.comp: a window row of queries per invocation (half a row for
 * windows over 8), sharing every key and value fetch among them. */
static int
attention_spec (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec)
{
  int ws = (int) lround (sqrt (a->n));

  local[0] = 16;
  spec[0] = a->n;
  spec[1] = a->hd / 4;
  spec[2] = ws <= 8 ? ws : (ws + 1) / 2;
  return 3;
}

static void
attention_grid (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3])
{
  g[0] = div_up (div_up (a->n, spec[2]), local[0]);
  g[1] = a->windows;
  g[2] = a->bh;
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
  g[0] = div_up (a->count, local[0]);
  g[1] = g[2] = 1;
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
  g[2] = 1;
}

#define SPV(name) swin_spv_##name, sizeof (swin_spv_##name)

static const SwinOpInfo ops[SWIN_OP_COUNT] = {
  /* A, W, bias, out (as float and as vec4), row statistics */
  [SWIN_OP_GEMM] = { "gemm", 6, { TB, TB, SB, SB, SB, TB }, 6 * sizeof (int32_t), {
      { "gemm_coopmat_split", SPV (gemm_coopmat), TRUE, gemm_coopmat_split_fits, split_pays,
        gemm_coopmat_split_spec, gemm_tile_grid, TRUE },
      { "gemm_coopmat", SPV (gemm_coopmat), TRUE, gemm_coopmat_fits, NULL, gemm_coopmat_spec, gemm_tile_grid, FALSE },
      { "gemm_tiled_f16_split", SPV (gemm_tiled_f16), TRUE, gemm_tiled_f16_split_fits, split_pays,
        gemm_tiled_split_spec, gemm_tile_grid, TRUE },
      { "gemm_tiled_f16", SPV (gemm_tiled_f16), TRUE, gemm_f16_fits, NULL, gemm_tiled_spec, gemm_tile_grid, FALSE },
      { "gemm_tiled_split", SPV (gemm_tiled), TRUE, gemm_tiled_split_fits, split_pays, gemm_tiled_split_spec,
        gemm_tile_grid, TRUE },
      { "gemm_tiled", SPV (gemm_tiled), TRUE, NULL, NULL, gemm_tiled_spec, gemm_tile_grid, FALSE },
      { "gemm", SPV (gemm), FALSE, NULL, NULL, gemm_spec, gemm_grid, FALSE },
  } },
  /* the GEMM's bindings: A holds the partial sums */
  [SWIN_OP_GEMM_REDUCE] = { "gemm_reduce", 6, { TB, TB, SB, SB, SB, TB }, 6 * sizeof (int32_t), {
      { "gemm_reduce", SPV (gemm_reduce), FALSE, NULL, NULL, gemm_reduce_spec, gemm_reduce_grid, FALSE },
  } },
  [SWIN_OP_LAYERNORM] = { "layernorm", 5, { TB, SB, SB, SB, SB }, 7 * sizeof (int32_t), {
      { "layernorm_rows", SPV (layernorm_rows), TRUE, NULL, NULL, layernorm_rows_spec, layernorm_rows_grid, FALSE },
      { "layernorm_private", SPV (layernorm), FALSE, layernorm_private_fits, NULL, layernorm_private_spec,
        linear_grid, FALSE },
      { "layernorm", SPV (layernorm), FALSE, NULL, NULL, layernorm_spec, linear_grid, FALSE },
  } },
  /* the LayerNorm kernels writing (rstd, -mean * rstd) per row */
  [SWIN_OP_ROWSTATS] = { "rowstats", 2, { TB, SB }, 7 * sizeof (int32_t), {
      { "rowstats_rows", SPV (rowstats_rows), TRUE, NULL, NULL, layernorm_rows_spec, layernorm_rows_grid, FALSE },
      { "rowstats_private", SPV (rowstats), FALSE, layernorm_private_fits, NULL, layernorm_private_spec,
        linear_grid, FALSE },
      { "rowstats", SPV (rowstats), FALSE, NULL, NULL, layernorm_spec, linear_grid, FALSE },
  } },
  [SWIN_OP_IM2COL] = { "im2col", 2, { TB, SB }, 5 * sizeof (int32_t), {
      { "im2col", SPV (im2col), FALSE, NULL, NULL, linear_spec, linear_grid, FALSE },
  } },
  [SWIN_OP_ATTENTION] = { "attention", 4, { TB, TB, TB, SB }, 11 * sizeof (int32_t), {
      { "attention_wg", SPV (attention_wg), TRUE, attention_wg_fits, NULL, attention_wg_spec, attention_wg_grid, FALSE },
      { "attention", SPV (attention), FALSE, NULL, NULL, attention_spec, attention_grid, FALSE },
  } },
  [SWIN_OP_AVGPOOL] = { "avgpool", 2, { SB, SB }, 3 * sizeof (int32_t), {
      { "avgpool", SPV (avgpool), FALSE, NULL, NULL, linear_spec, linear_grid, FALSE },
  } },
  [SWIN_OP_PREPROCESS] = { "preprocess", 2, { SB, SB }, sizeof (SwinPreprocessPush), {
      { "preprocess", SPV (preprocess), FALSE, NULL, NULL, preprocess_spec, preprocess_grid, FALSE },
  } },
};

G_STATIC_ASSERT (sizeof (SwinPreprocessPush) == 28 * 4);

const char *
swin_op_name (SwinOp op)
{
  return (unsigned) op < SWIN_OP_COUNT ? ops[op].name : "unknown";
}

/* ---- the choice of variant ---- */

/* Per context: a forced variant (index + 1, 0: none), the last one used and
 * which ones were reported to the log.  Guarded by ctx->lock. */
typedef struct {
  int forced[SWIN_OP_COUNT];
  const char *last[SWIN_OP_COUNT];
  guint reported[SWIN_OP_COUNT];   /* bit per variant */
  int norm_in_gemm;                /* forced: 0 none, 1 no, 2 yes */
} SwinOpState;

static void
op_state_free (SwinContext *ctx, void *data)
{
  g_free (data);
}

/* The context's SwinOpState; the caller holds ctx->lock. */
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
swin_kernels_force (SwinContext *ctx, SwinOp op, const char *variant, GError **error)
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
  g_mutex_lock (&ctx->lock);
  op_state (ctx)->forced[op] = index;
  g_mutex_unlock (&ctx->lock);
  return TRUE;
}

const char *
swin_kernels_last_variant (SwinContext *ctx, SwinOp op)
{
  const char *name;

  g_return_val_if_fail ((unsigned) op < SWIN_OP_COUNT, NULL);
  g_mutex_lock (&ctx->lock);
  name = op_state (ctx)->last[op];
  g_mutex_unlock (&ctx->lock);
  return name;
}

/* Preferences from the environment, for the whole process: SWIN_KERNELS=
 * op=variant[,op=variant...][,norm_in_gemm=0|1], e.g. "gemm=gemm_tiled_f16"
 * to compare kernels in a whole forward (swin bench) without rebuilding.
 * Unlike swin_kernels_force(), a preferred variant that cannot run for some
 * recording leaves the automatic choice to it. */
typedef struct {
  int variant[SWIN_OP_COUNT];   /* index + 1, 0: none */
  int norm_in_gemm;             /* 0 none, 1 no, 2 yes */
} SwinPreferences;

static const SwinPreferences *
preferences (void)
{
  static SwinPreferences prefs;
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    g_auto (GStrv) items = g_strsplit (g_getenv ("SWIN_KERNELS") ? g_getenv ("SWIN_KERNELS") : "", ",", -1);

    for (int i = 0; items[i]; i++) {
      g_auto (GStrv) kv = g_strsplit (g_strstrip (items[i]), "=", 2);
      gboolean known = FALSE;

      if (!kv[0] || !*kv[0])
        continue;
      if (kv[1] && strcmp (kv[0], "norm_in_gemm") == 0 && (strcmp (kv[1], "0") == 0 || strcmp (kv[1], "1") == 0)) {
        prefs.norm_in_gemm = kv[1][0] == '1' ? 2 : 1;
        known = TRUE;
      }
      for (int op = 0; op < SWIN_OP_COUNT && kv[1] && !known; op++)
        for (int v = 0; v < variant_count (&ops[op]) && strcmp (ops[op].name, kv[0]) == 0; v++)
          if (strcmp (ops[op].variants[v].name, kv[1]) == 0) {
            prefs.variant[op] = v + 1;
            known = TRUE;
          }
      swin_log (known ? SWIN_LOG_INFO : SWIN_LOG_WARNING, "SWIN_KERNELS: %s \"%s\"",
                known ? "preferring" : "ignoring unknown operation, variant or value in", items[i]);
    }
    g_once_init_leave (&done, 1);
  }
  return &prefs;
}

gboolean
swin_kernels_norm_in_gemm (SwinContext *ctx)
{
  int forced;

  g_mutex_lock (&ctx->lock);
  forced = op_state (ctx)->norm_in_gemm;
  g_mutex_unlock (&ctx->lock);
  if (!forced)
    forced = preferences ()->norm_in_gemm;
  return forced ? forced == 2 : ctx->gpu_variants;
}

void
swin_kernels_force_norm_in_gemm (SwinContext *ctx, int norm_in_gemm)
{
  g_mutex_lock (&ctx->lock);
  op_state (ctx)->norm_in_gemm = norm_in_gemm < 0 ? 0 : norm_in_gemm ? 2 : 1;
  g_mutex_unlock (&ctx->lock);
}

/* The variant of @op for @a: the forced one, which must fit, else the one
 * SWIN_KERNELS prefers where it fits, else the first in the table's order of
 * preference that fits. */
static const SwinVariant *
choose (SwinContext *ctx, SwinOp op, const SwinOpArgs *a, GError **error)
{
  const SwinOpInfo *info = &ops[op];
  const SwinVariant *chosen = NULL;
  gboolean first_use;
  int forced, index = -1, preferred = preferences ()->variant[op];
  char *why = NULL;

  g_mutex_lock (&ctx->lock);
  forced = op_state (ctx)->forced[op];
  g_mutex_unlock (&ctx->lock);

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
    if (preferred) {
      const SwinVariant *v = &info->variants[preferred - 1];
      if (!v->fits || v->fits (ctx, a, &why))
        index = preferred - 1;
      else
        swin_log (SWIN_LOG_DEBUG, "%s: preferred variant %s skipped: %s", info->name, v->name, why);
      g_clear_pointer (&why, g_free);
    }
    for (int i = 0; i < variant_count (info) && index < 0; i++) {
      const SwinVariant *v = &info->variants[i];
      if ((v->gpu_only && !ctx->gpu_variants) || (v->pays && !v->pays (ctx, a)))
        continue;
      if (v->fits && !v->fits (ctx, a, &why)) {
        swin_log (SWIN_LOG_DEBUG, "%s: variant %s skipped: %s", info->name, v->name, why);
        g_clear_pointer (&why, g_free);
        continue;
      }
      index = i;
    }
  }
  /* The last variant of each operation has no requirement: always found. */
  g_assert (index >= 0);
  chosen = &info->variants[index];

  g_mutex_lock (&ctx->lock);
  op_state (ctx)->last[op] = chosen->name;
  first_use = !(op_state (ctx)->reported[op] & (1u << index));
  op_state (ctx)->reported[op] |= 1u << index;
  g_mutex_unlock (&ctx->lock);
  if (first_use)
    swin_log (SWIN_LOG_INFO, "%s on \"%s\": variant %s%s", info->name, ctx->device_name, chosen->name,
              forced ? " (forced)" : preferred == index + 1 ? " (SWIN_KERNELS)" : "");
  return chosen;
}

/* Specialises, fetches and dispatches variant @v of @op. */
static gboolean
dispatch (SwinCmd *cmd, SwinContext *ctx, SwinOp op, const SwinVariant *v, const SwinOpArgs *a,
          const SwinBinding *bindings, const void *push, GError **error)
{
  const SwinOpInfo *info = &ops[op];
  SwinKernelDesc desc = {
    .n_bindings = info->n_bindings, .types = info->types, .push_size = info->push_size,
    .local = { 1, 1, 1 },
  };
  SwinKernel *k;
  uint32_t g[3];

  desc.name = v->name;
  desc.spv = v->spv;
  desc.spv_size = v->spv_size;
  desc.n_spec = v->specialise (ctx, a, desc.local, desc.spec);
  v->grid (a, desc.local, desc.spec, g);
  k = swin_kernel_get (ctx, &desc, error);
  return k && swin_kernel_dispatch (cmd, k, v->name, bindings, push, g[0], g[1], g[2], error);
}

/* Chooses and dispatches @op. */
static gboolean
record (SwinCmd *cmd, SwinContext *ctx, SwinOp op, const SwinOpArgs *a, const SwinBinding *bindings,
        const void *push, GError **error)
{
  const SwinVariant *v = choose (ctx, op, a, error);

  return v && dispatch (cmd, ctx, op, v, a, bindings, push, error);
}

static gboolean
invalid (GError **error, const char *op, const char *what)
{
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "%s: %s", op, what);
  return FALSE;
}

/* ---- the operations ---- */

gboolean
swin_k_gemm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
             const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
             gboolean gelu, gboolean accumulate, GError **error)
{
  return swin_k_gemm_full (cmd, ctx, a, NULL, w, bias, out, NULL, M, N, K, gelu, accumulate, error);
}

gboolean
swin_k_gemm_full (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *stats,
                  const SwinBinding *w, const SwinBinding *bias, const SwinBinding *out,
                  const SwinBinding *scratch, int M, int N, int K, gboolean gelu, gboolean accumulate,
                  GError **error)
{
  struct { int32_t M, N, K, act, accumulate, k_slice; } push = { M, N, K, gelu, accumulate, K };
  SwinOpArgs args = { .M = M, .N = N, .K = K, .vec_out = N % 4 == 0, .norm = stats != NULL,
                      .half_w = w->format == VK_FORMAT_R16G16B16A16_SFLOAT };
  /* Without statistics the binding still needs a valid range: A stands in, unread. */
  SwinBinding b[6] = { *a, *w, *bias, *out, *out, stats ? *stats : *a };
  const SwinVariant *v;
  int k_slice;

  G_STATIC_ASSERT (sizeof (push) == 6 * sizeof (int32_t));
  if (K % 4 != 0 || M <= 0 || N <= 0)
    return invalid (error, "gemm", "needs M, N > 0 and K a multiple of 4");
  b[0].format = b[5].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  /* packed weights are fp32 or fp16 texels: the fetch converts */
  if (b[1].format != VK_FORMAT_R16G16B16A16_SFLOAT)
    b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  if (scratch)
    args.scratch = scratch->size ? scratch->size : scratch->buf->size - scratch->offset;
  k_slice = gemm_split (ctx, &args);
  if (!(v = choose (ctx, SWIN_OP_GEMM, &args, error)))
    return FALSE;
  if (!v->split)
    return dispatch (cmd, ctx, SWIN_OP_GEMM, v, &args, b, &push, error);

  /* the slices' partial sums into the scratch, then their sum into @out */
  push.k_slice = k_slice;
  b[3] = b[4] = *scratch;
  if (!dispatch (cmd, ctx, SWIN_OP_GEMM, v, &args, b, &push, error))
    return FALSE;
  b[0] = *scratch;
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  b[3] = b[4] = *out;
  return record (cmd, ctx, SWIN_OP_GEMM_REDUCE, &args, b, &push, error);
}

VkDeviceSize
swin_kernels_split_scratch (SwinContext *ctx, uint64_t largest)
{
  int forced, preferred = preferences ()->variant[SWIN_OP_GEMM];
  VkDeviceSize bytes = 0;

  g_mutex_lock (&ctx->lock);
  forced = op_state (ctx)->forced[SWIN_OP_GEMM];
  g_mutex_unlock (&ctx->lock);
  /* A GEMM splits by itself only while its tiles are fewer than the units,
   * into at most div_up (units, tiles) slices of at most a tile's partial
   * sums; a forced or preferred split variant splits any GEMM into at most
   * four. */
  if (ctx->gpu_variants && ctx->compute_units > 0)
    bytes = (VkDeviceSize) 2 * ctx->compute_units * GEMM_TILE * GEMM_TILE * sizeof (float);
  if ((forced && ops[SWIN_OP_GEMM].variants[forced - 1].split) ||
      (preferred && ops[SWIN_OP_GEMM].variants[preferred - 1].split))
    bytes = MAX (bytes, (VkDeviceSize) 4 * largest * 16);
  return bytes;
}

gboolean
swin_k_rowstats (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in, const SwinBinding *stats,
                 int rows, int C, GError **error)
{
  struct { int32_t rows, C, merge, H, W, has_add, L; } push = { rows, C, 0, 0, 0, 0, 1 };
  SwinOpArgs args = { .rows = rows, .C = C, .count = rows };
  SwinBinding b[2] = { *in, *stats };

  if (C % 4 != 0 || rows <= 0)
    return invalid (error, "rowstats", "needs rows > 0 and C a multiple of 4");
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  return record (cmd, ctx, SWIN_OP_ROWSTATS, &args, b, &push, error);
}

gboolean
swin_k_layernorm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                  const SwinBinding *gamma, const SwinBinding *beta, const SwinBinding *out,
                  int rows, int C, int merge_h, int merge_w,
                  const SwinBinding *add, int add_rows, GError **error)
{
  struct { int32_t rows, C, merge, H, W, has_add, L; } push = {
    rows, C, merge_h > 0, merge_h, merge_w, add != NULL, MAX (add_rows, 1),
  };
  SwinOpArgs args = { .rows = rows, .C = C, .count = rows };
  /* Without an addend the binding still needs a valid range: gamma stands in, unread. */
  SwinBinding b[5] = { *in, *gamma, *beta, *out, add ? *add : *gamma };

  G_STATIC_ASSERT (sizeof (push) == 7 * sizeof (int32_t));
  if (C % 4 != 0 || (merge_h != 0 && C % 16 != 0) || rows <= 0)
    return invalid (error, "layernorm", "needs rows > 0, C a multiple of 4 (of 16 when merging)");
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  return record (cmd, ctx, SWIN_OP_LAYERNORM, &args, b, &push, error);
}

gboolean
swin_k_im2col (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *img, const SwinBinding *out,
               int B, int Cin, int H, int W, int P, GError **error)
{
  struct { int32_t batch, Cin, H, W, P; } push = { B, Cin, H, W, P };
  uint64_t count = (uint64_t) B * (H / MAX (P, 1)) * (W / MAX (P, 1)) * Cin * P * P;
  SwinOpArgs args = { .count = (int) MIN (count, (uint64_t) INT_MAX) };
  SwinBinding b[2] = { *img, *out };

  if (P <= 0 || count == 0 || count > INT_MAX)
    return invalid (error, "im2col", "needs a positive patch size and 1 to INT_MAX values");
  b[0].format = VK_FORMAT_R32_SFLOAT;
  return record (cmd, ctx, SWIN_OP_IM2COL, &args, b, &push, error);
}

gboolean
swin_k_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                  const SwinBinding *qkv_bias, const SwinBinding *table,
                  const SwinBinding *out, int B, const SwinAttnGeom *g, int heads, GError **error)
{
  const int hd = heads > 0 ? g->C / heads : 0;
  struct {
    int32_t H, W, Hp, Wp, ws, shift_h, shift_w, heads, C, M;
    float scale;
  } push = { g->H, g->W, g->Hp, g->Wp, g->ws, g->shift_h, g->shift_w, heads, g->C, g->M,
             hd > 0 ? 1.0f / sqrtf ((float) hd) : 0.0f };
  SwinOpArgs args = { .n = g->ws * g->ws, .hd = hd, .windows = (g->Hp / MAX (g->ws, 1)) * (g->Wp / MAX (g->ws, 1)),
                      .bh = B * heads };
  SwinBinding b[4] = { *qkv, *qkv_bias, *table, *out };

  G_STATIC_ASSERT (sizeof (push) == 11 * sizeof (int32_t));
  if (heads <= 0 || g->C % heads != 0 || hd % 4 != 0 || g->ws <= 0 || B <= 0)
    return invalid (error, "attention", "needs a head dimension that is a multiple of 4");
  b[0].format = b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  b[2].format = VK_FORMAT_R32_SFLOAT;
  return record (cmd, ctx, SWIN_OP_ATTENTION, &args, b, &push, error);
}

gboolean
swin_k_avgpool (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                const SwinBinding *out, int B, int L, int C, GError **error)
{
  struct { int32_t batch, L, C; } push = { B, L, C };
  SwinOpArgs args = { .count = B * C };
  SwinBinding b[2] = { *in, *out };

  if (B <= 0 || L <= 0 || C <= 0)
    return invalid (error, "avgpool", "needs B, L, C > 0");
  return record (cmd, ctx, SWIN_OP_AVGPOOL, &args, b, &push, error);
}

gboolean
swin_k_preprocess (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *src, const SwinBinding *dst,
                   const SwinPreprocessPush *push, GError **error)
{
  SwinOpArgs args = { .out_w = push->out_w, .out_h = push->out_h };
  SwinBinding b[2] = { *src, *dst };

  if (push->out_w <= 0 || push->out_h <= 0)
    return invalid (error, "preprocess", "needs a non-empty output");
  return record (cmd, ctx, SWIN_OP_PREPROCESS, &args, b, push, error);
}

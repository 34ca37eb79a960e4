/* Kernel descriptions (bindings, push constants, specialisation) and dispatch sizes. */
#include "swin_kernels.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "gemm.spv.h"
#include "gemm_tiled.spv.h"
#include "layernorm.spv.h"
#include "layernorm_rows.spv.h"
#include "im2col.spv.h"
#include "attention.spv.h"
#include "attention_wg.spv.h"
#include "avgpool.spv.h"

#define SB VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
#define TB VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER

/* Workgroup shape of the register-tile GEMM. */
#define GEMM_WG_X 8
#define GEMM_WG_Y 4

static uint32_t
div_up (uint64_t a, uint64_t b)
{
  return (uint32_t) ((a + b - 1) / b);
}

/* vec4 columns per GEMM invocation: two halve the fetches of the shared A
 * rows, unless that leaves more lanes of the last workgroup idle than one. */
static int
gemm_columns (int n4)
{
  int waste1 = div_up (n4, GEMM_WG_X) * GEMM_WG_X - n4;
  int waste2 = div_up (n4, 2 * GEMM_WG_X) * 2 * GEMM_WG_X - n4;
  return waste2 <= waste1 ? 2 : 1;
}

/* Rows per GEMM invocation: the candidate that leaves the fewest padding
 * rows in the last workgroup row (Swin's token counts are 49 * 4^k: 16 rows
 * fit 3136, 14 fit 784, 7 fit 196), the larger on ties. */
static int
gemm_rows (int M)
{
  static const int candidates[] = { 16, 14, 12, 8, 7 };
  int best = 16, best_waste = INT_MAX;

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++) {
    int rows = candidates[i] * GEMM_WG_Y;
    int waste = (int) div_up (M, rows) * rows - M;
    if (waste < best_waste) {
      best = candidates[i];
      best_waste = waste;
    }
  }
  return best;
}

size_t
swin_packed_bias_size (int N)
{
  return (size_t) (N + 3) / 4 * 4;
}

size_t
swin_packed_linear_size (int N, int K)
{
  return (size_t) K * swin_packed_bias_size (N);
}

void
swin_pack_linear (const float *w, int N, int K, float *dst)
{
  size_t N4 = swin_packed_bias_size (N);

  memset (dst, 0, swin_packed_linear_size (N, K) * sizeof (float));
  for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++)
      dst[(size_t) k * N4 + n] = w[(size_t) n * K + k];
}

/* float32 -> float16, round to nearest even; overflow to infinity. */
static guint16
f32_to_f16 (float f)
{
  guint32 x;
  guint32 sign, mant;
  int exp;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000;
  exp = (int) ((x >> 23) & 0xff) - 127 + 15;
  mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff)                   /* inf, nan */
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31)
    return sign | 0x7c00;
  if (exp <= 0) {                                   /* subnormal or zero */
    guint32 shift;
    if (exp < -10)
      return sign;
    mant |= 0x800000;
    shift = 14 - exp;
    {
      guint32 h = mant >> shift, rest = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      if (rest > half || (rest == half && (h & 1)))
        h++;
      return sign | h;
    }
  }
  {
    guint32 h = sign | (exp << 10) | (mant >> 13), rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
      h++;                                            /* may carry into the exponent: correct */
    return h;
  }
}

typedef enum { RAW, LINEAR, BIAS } PackKind;

void
swin_pack_linear_f16 (const float *w, int N, int K, guint16 *dst)
{
  size_t n = swin_packed_linear_size (N, K);
  float *tmp = g_new (float, n);

  swin_pack_linear (w, N, K, tmp);
  for (size_t i = 0; i < n; i++)
    dst[i] = f32_to_f16 (tmp[i]);
  g_free (tmp);
}

static SwinKernel *
get (SwinContext *ctx, const char *name, const uint32_t *spv, size_t spv_size, int n_bindings,
     const VkDescriptorType *types, uint32_t push_size, int n_spec, const uint32_t *spec,
     GError **error)
{
  SwinKernelDesc d = { name, spv, spv_size, n_bindings, { 0 }, push_size, n_spec, { 0 } };

  memcpy (d.types, types, n_bindings * sizeof (VkDescriptorType));
  if (n_spec)
    memcpy (d.spec, spec, n_spec * sizeof (uint32_t));
  return swin_kernel_get (ctx, &d, error);
}

gboolean
swin_k_gemm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
             const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
             gboolean gelu, gboolean accumulate, GError **error)
{
  static const VkDescriptorType types[] = { TB, TB, SB, SB, SB };
  const int n4 = div_up (N, 4), tc = gemm_columns (n4), tm = gemm_rows (M);
  const uint32_t spec[] = { tm, tc, N % 4 == 0 };
  struct { int32_t M, N, K, act, accumulate; } push = { M, N, K, gelu, accumulate };
  SwinBinding b[5] = { *a, *w, *bias, *out, *out };
  SwinKernel *k;

  g_return_val_if_fail (K % 4 == 0 && M > 0 && N > 0, FALSE);
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  /* packed weights are fp32 or fp16 texels: the fetch converts, the math is fp32 */
  if (b[1].format != VK_FORMAT_R16G16B16A16_SFLOAT)
    b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  if (ctx->gpu_variants) {
    /* 64 x 64 tiles of 16 x 16 invocations; only VEC_OUT applies, so the
     * register-tile shape stays out of the pipeline cache key */
    const uint32_t tiled_spec[] = { 0, 0, spec[2] };
    k = get (ctx, "gemm_tiled", swin_spv_gemm_tiled, sizeof (swin_spv_gemm_tiled), 5, types, sizeof (push),
             3, tiled_spec, error);
    return k && swin_cmd_dispatch (cmd, k, b, &push, div_up (n4, 16), div_up (M, 64), 1, error);
  }
  k = get (ctx, "gemm", swin_spv_gemm, sizeof (swin_spv_gemm), 5, types, sizeof (push), 3, spec, error);
  return k && swin_cmd_dispatch (cmd, k, b, &push, div_up (div_up (n4, tc), GEMM_WG_X),
                                 div_up (M, (uint64_t) tm * GEMM_WG_Y), 1, error);
}

gboolean
swin_k_layernorm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                  const SwinBinding *gamma, const SwinBinding *beta, const SwinBinding *out,
                  int rows, int C, int merge_h, int merge_w,
                  const SwinBinding *add, int add_rows, GError **error)
{
  static const VkDescriptorType types[] = { TB, SB, SB, SB, SB };
  struct { int32_t rows, C, merge, H, W, has_add, L; } push = {
    rows, C, merge_h > 0, merge_h, merge_w, add != NULL, MAX (add_rows, 1),
  };
  /* Without an addend the binding still needs a valid range: gamma stands in, unread. */
  SwinBinding b[5] = { *in, *gamma, *beta, *out, add ? *add : *gamma };
  SwinKernel *k;

  g_return_val_if_fail (C % 4 == 0 && (merge_h == 0 || C % 16 == 0), FALSE);
  b[0].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  if (ctx->gpu_variants) {
    uint32_t gx = MIN ((uint32_t) rows, 65535u);  /* the guaranteed minimum of maxComputeWorkGroupCount */
    k = get (ctx, "layernorm_rows", swin_spv_layernorm_rows, sizeof (swin_spv_layernorm_rows), 5, types,
             sizeof (push), 0, NULL, error);
    return k && swin_cmd_dispatch (cmd, k, b, &push, gx, div_up (rows, gx), 1, error);
  }
  {
    /* rows up to 1024 channels are cached in private memory (16 KiB would
     * exceed some GPUs' local memory per invocation) */
    const gboolean cached = C <= 1024;
    const uint32_t spec[] = { cached ? C / 4 : 1, cached };
    k = get (ctx, "layernorm", swin_spv_layernorm, sizeof (swin_spv_layernorm), 5, types,
             sizeof (push), 2, spec, error);
  }
  return k && swin_cmd_dispatch (cmd, k, b, &push, div_up (rows, 64), 1, 1, error);
}

gboolean
swin_k_im2col (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *img, const SwinBinding *out,
               int B, int Cin, int H, int W, int P, GError **error)
{
  static const VkDescriptorType types[] = { TB, SB };
  struct { int32_t batch, Cin, H, W, P; } push = { B, Cin, H, W, P };
  SwinBinding b[2] = { *img, *out };
  SwinKernel *k;

  b[0].format = VK_FORMAT_R32_SFLOAT;
  k = get (ctx, "im2col", swin_spv_im2col, sizeof (swin_spv_im2col), 2, types, sizeof (push), 0, NULL, error);
  return k && swin_cmd_dispatch (cmd, k, b, &push,
                                 div_up ((uint64_t) B * (H / P) * (W / P) * Cin * P * P, 64), 1, 1, error);
}

gboolean
swin_k_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                  const SwinBinding *qkv_bias, const SwinBinding *table,
                  const SwinBinding *out, int B, const SwinAttnGeom *g, int heads, GError **error)
{
  static const VkDescriptorType types[] = { TB, TB, TB, SB };
  const int hd = g->C / heads, n = g->ws * g->ws;
  /* attention.comp: a window row of queries per invocation (half a row for
   * windows over 8), sharing every key and value fetch among them */
  const int qp = g->ws <= 8 ? g->ws : (g->ws + 1) / 2;
  const uint32_t spec[] = { n, hd / 4, qp };
  struct {
    int32_t H, W, Hp, Wp, ws, shift_h, shift_w, heads, C, M;
    float scale;
  } push = { g->H, g->W, g->Hp, g->Wp, g->ws, g->shift_h, g->shift_w, heads, g->C, g->M,
             1.0f / sqrtf ((float) hd) };
  SwinBinding b[4] = { *qkv, *qkv_bias, *table, *out };
  SwinKernel *k;

  g_return_val_if_fail (hd % 4 == 0, FALSE);
  b[0].format = b[1].format = VK_FORMAT_R32G32B32A32_SFLOAT;
  b[2].format = VK_FORMAT_R32_SFLOAT;
  {
    /* GPUs: a workgroup per window with keys and values in shared memory,
     * where they fit (window 12 needs 37 KiB at head dim 32) */
    const uint32_t threads = (uint32_t) (n + 31) / 32 * 32;
    const size_t shared = (size_t) n * (2 * hd * sizeof (float) + sizeof (int32_t));
    const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
    if (ctx->gpu_variants && shared <= lim->maxComputeSharedMemorySize &&
        threads <= lim->maxComputeWorkGroupSize[0] && threads <= lim->maxComputeWorkGroupInvocations) {
      const uint32_t wspec[] = { n, hd / 4, threads };
      k = get (ctx, "attention_wg", swin_spv_attention_wg, sizeof (swin_spv_attention_wg), 4, types,
               sizeof (push), 3, wspec, error);
      return k && swin_cmd_dispatch (cmd, k, b, &push, 1, (g->Hp / g->ws) * (g->Wp / g->ws), B * heads,
                                     error);
    }
  }
  k = get (ctx, "attention", swin_spv_attention, sizeof (swin_spv_attention), 4, types,
           sizeof (push), 3, spec, error);
  return k && swin_cmd_dispatch (cmd, k, b, &push, div_up (div_up (n, qp), 16),
                                 (g->Hp / g->ws) * (g->Wp / g->ws), B * heads, error);
}

gboolean
swin_k_avgpool (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                const SwinBinding *out, int B, int L, int C, GError **error)
{
  static const VkDescriptorType types[] = { SB, SB };
  struct { int32_t batch, L, C; } push = { B, L, C };
  SwinBinding b[2] = { *in, *out };
  SwinKernel *k = get (ctx, "avgpool", swin_spv_avgpool, sizeof (swin_spv_avgpool), 2, types,
                       sizeof (push), 0, NULL, error);

  return k && swin_cmd_dispatch (cmd, k, b, &push, div_up ((uint64_t) B * C, 64), 1, 1, error);
}

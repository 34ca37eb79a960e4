/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every Vulkan kernel against its CPU reference twin on random data, with
 * sizes that are not multiples of any tile and batch > 1. */
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_test_kernel.h"
#include "swin_pack.h"
#include "swin_cpu_ops.h"

static SwinContext *ctx;

static gboolean half_weights;   /* check_gemm with fp16 weight storage */
/* check_gemm's bound relative to the largest output: fp32 sums, or fp16
 * arithmetic (each product rounded to 11 bits, partial sums of 8 in fp16). */
static float gemm_tolerance = 1e-5f;

static const char *gemm_variant;

static void
check_gemm (int M, int N, int K, gboolean gelu, gboolean accumulate)
{
  GError *error = NULL;
  float *a = g_new (float, (size_t) M * K), *w = g_new (float, (size_t) N * K), *bias = g_new0 (float, N + 4);
  float *res = g_new (float, (size_t) M * N), *want = g_new (float, (size_t) M * N);
  float *packed = g_new (float, swin_packed_linear_size (N, K));
  SwinBuffer *ba, *bw, *bb, *bo;
  SwinCmd *cmd;

  swin_test_fill (a, (size_t) M * K, 1, 1.0f);
  swin_test_fill (w, (size_t) N * K, 2, 1.0f / sqrtf (K));
  swin_test_fill (bias, N, 3, 0.5f);
  swin_test_fill (res, (size_t) M * N, 4, 1.0f);
  if (half_weights) {
    /* the reference uses the same weights rounded to fp16 */
    swin_pack_linear_f16 (w, N, K, (guint16 *) packed);
    for (size_t i = 0; i < (size_t) N * K; i++)
      w[i] = swin_test_round_to_f16 (w[i]);
  } else {
    swin_pack_linear (w, N, K, packed);
  }

  swin_cpu_linear (a, M, K, w, bias, N, want);
  if (gelu)
    swin_cpu_gelu (want, (size_t) M * N);
  if (accumulate)
    for (size_t i = 0; i < (size_t) M * N; i++)
      want[i] += res[i];

  ba = swin_test_buffer_new (ctx, a, (size_t) M * K);
  bw = swin_test_buffer_new (ctx, packed, swin_packed_linear_size (N, K));
  bb = swin_test_buffer_new (ctx, bias, swin_packed_bias_size (N));
  bo = swin_test_buffer_new (ctx, accumulate ? res : NULL, (size_t) M * N);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding A = swin_test_binding (ba), W = swin_test_binding (bw), B = swin_test_binding (bb), O = swin_test_binding (bo);
    if (half_weights)
      W.format = VK_FORMAT_R16G16B16A16_SFLOAT;
    gboolean ok = swin_op_gemm (cmd, ctx, &A, &W, &B, &O, M, N, K, gelu, accumulate, &error);
    swin_test_recorded (ctx, SWIN_OP_GEMM, gemm_variant, ok, error, TRUE);
  }
  swin_test_cmd_run (ctx, cmd);
  swin_test_assert_close (bo->mapped, want, (size_t) M * N, gemm_tolerance);

  swin_buffer_free (ctx, ba);
  swin_buffer_free (ctx, bw);
  swin_buffer_free (ctx, bb);
  swin_buffer_free (ctx, bo);
  g_free (a); g_free (w); g_free (bias); g_free (res); g_free (want); g_free (packed);
}

/* A GEMM variant and its weights' storage. */
typedef struct {
  const char *variant;
  gboolean half;
} GemmCase;

static const GemmCase gemm_cases[] = {
  { "gemm", FALSE }, { "gemm_shuffle", FALSE }, { "gemm_tiled", FALSE }, { "gemm", TRUE },
  { "gemm_shuffle", TRUE }, { "gemm_tiled", TRUE }, { "gemm_tiled_f16", TRUE }, { "gemm_coopmat", TRUE },
};

/* Forces @c's variant with its weights for the checks that follow; FALSE
 * (the test skipped) where the device lacks what it needs: fp16 texels;
 * fp16 arithmetic or cooperative matrices for the variants computing in
 * fp16, and subgroup shuffles in subgroups of 8 for gemm_shuffle, which then
 * must refuse to record (DEVICE_LIMIT, naming themselves) rather than fall
 * back. */
static gboolean
gemm_case_begin (const GemmCase *c)
{
  gboolean f16 = g_str_has_suffix (c->variant, "_f16"), coopmat = strcmp (c->variant, "gemm_coopmat") == 0;
  gboolean shuffle = strcmp (c->variant, "gemm_shuffle") == 0;
  gboolean fits = (!f16 || ctx->shader_f16) && (!coopmat || ctx->coopmat) &&
                  (!shuffle || swin_lanes_shuffle (ctx));

  if (c->half && !swin_context_supports_fp16 (ctx)) {
    g_test_skip ("no fp16 texel buffers on this device");
    return FALSE;
  }
  gemm_variant = c->variant;
  swin_test_force (ctx, SWIN_OP_GEMM, gemm_variant);
  half_weights = c->half;
  /* fp16 arithmetic, measured on lavapipe with these data: at most 8.0e-4
   * of the largest output (fp32 arithmetic on the same fp16 weights: 1.6e-6) */
  gemm_tolerance = f16 || coopmat ? 2.5e-3f : 1e-5f;
  if (!fits) {
    GError *error = NULL;
    SwinBuffer *b = swin_test_buffer_new (ctx, NULL, 64);
    SwinBinding B = swin_test_binding (b), W = swin_test_binding (b);
    SwinCmd *cmd = swin_test_cmd_begin (ctx);
    gboolean ok;

    W.format = VK_FORMAT_R16G16B16A16_SFLOAT;
    ok = swin_op_gemm (cmd, ctx, &B, &W, &B, &B, 4, 4, 4, FALSE, FALSE, &error);
    swin_test_recorded (ctx, SWIN_OP_GEMM, gemm_variant, ok, error, FALSE);
    swin_cmd_free (cmd);
    swin_buffer_free (ctx, b);
    g_test_skip (coopmat ? "no fp16 cooperative matrices on this device"
                 : shuffle ? "no subgroup shuffles in subgroups of 8 on this device"
                           : "no fp16 arithmetic on this device");
  }
  return fits;
}

static void
gemm_case_end (void)
{
  swin_test_force (ctx, SWIN_OP_GEMM, NULL);
  half_weights = FALSE;
  gemm_tolerance = 1e-5f;
}

/* Every GEMM variant, with fp32 and fp16 weights, on every device that can
 * run it, whichever the device would pick. */
static void
test_gemm (gconstpointer data)
{
  if (!gemm_case_begin (data))
    goto out;
  check_gemm (1, 1, 4, FALSE, FALSE);
  check_gemm (37, 13, 20, FALSE, FALSE);     /* K / 4 odd: the tail step */
  check_gemm (100, 96, 96, TRUE, FALSE);
  check_gemm (133, 70, 36, FALSE, TRUE);
  check_gemm (2 * 49 + 3, 384, 96, TRUE, FALSE);
  check_gemm (65, 72, 40, FALSE, TRUE);      /* K / 4 = 10: the four-, two- and one-step loops */
  check_gemm (17, 8, 28, TRUE, TRUE);        /* K / 4 = 7 */
  check_gemm (3, 1000, 768, FALSE, FALSE);
out:
  gemm_case_end ();
}

static const char *layernorm_variant;

/* The addend of check_layernorm: none, one of an image's rows repeated for
 * every image (the position embedding), or one per row (a residual: Swin V2's
 * post-norm). */
enum { ADD_NONE, ADD_REPEAT, ADD_RESIDUAL };

static void
check_layernorm (int B, int H, int W, int C, gboolean merge, int add)
{
  GError *error = NULL;
  int rows = merge ? B * (H / 2) * (W / 2) : B * H * W, Cout = merge ? 4 * C : C;
  int add_rows = add == ADD_RESIDUAL ? rows : H * W;
  size_t n_in = (size_t) B * H * W * C, n_out = (size_t) rows * Cout;
  float *x = g_new (float, n_in), *g = g_new (float, Cout), *b = g_new (float, Cout);
  float *ad = g_new (float, (size_t) add_rows * Cout), *tmp = g_new (float, n_out), *want = g_new (float, n_out);
  SwinBuffer *bx, *bg, *bb, *bo, *ba;
  SwinCmd *cmd;

  swin_test_fill (x, n_in, 5, 3.0f);
  for (size_t i = 0; i < n_in; i++)
    x[i] += 2.0f;  /* a mean far from zero exercises the two-pass variance */
  swin_test_fill (g, Cout, 6, 1.0f);
  swin_test_fill (b, Cout, 7, 1.0f);
  swin_test_fill (ad, (size_t) add_rows * Cout, 8, 1.0f);
  if (merge) {
    swin_cpu_merge_gather (x, B, H, W, C, tmp);
    swin_cpu_layernorm (tmp, rows, Cout, g, b, want);
  } else {
    swin_cpu_layernorm (x, rows, Cout, g, b, want);
  }
  if (add)
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < Cout; c++)
        want[(size_t) r * Cout + c] += ad[(size_t) (r % add_rows) * Cout + c];

  bx = swin_test_buffer_new (ctx, x, n_in);
  bg = swin_test_buffer_new (ctx, g, Cout);
  bb = swin_test_buffer_new (ctx, b, Cout);
  bo = swin_test_buffer_new (ctx, NULL, n_out);
  ba = swin_test_buffer_new (ctx, ad, (size_t) add_rows * Cout);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding X = swin_test_binding (bx), G = swin_test_binding (bg), Bb = swin_test_binding (bb), O = swin_test_binding (bo), A = swin_test_binding (ba);
    gboolean ok = swin_op_layernorm (cmd, ctx, &X, &G, &Bb, &O, rows, Cout, merge ? H : 0,
                                     merge ? W : 0, add ? &A : NULL, add_rows, &error);
    /* the private-memory variant caches rows up to 1024 channels only */
    if (swin_test_recorded (ctx, SWIN_OP_LAYERNORM, layernorm_variant, ok, error,
                  Cout <= 1024 || strcmp (layernorm_variant, "layernorm_private") != 0)) {
      swin_test_cmd_run (ctx, cmd);
      swin_test_assert_close (bo->mapped, want, n_out, 1e-5f);
    } else {
      swin_cmd_free (cmd);
    }
  }

  swin_buffer_free (ctx, bx); swin_buffer_free (ctx, bg); swin_buffer_free (ctx, bb);
  swin_buffer_free (ctx, bo); swin_buffer_free (ctx, ba);
  g_free (x); g_free (g); g_free (b); g_free (ad); g_free (tmp); g_free (want);
}

/* The GEMM reading A as the patch-merging gather of a B x H x W map of @Cin
 * channels (@gather) and/or LayerNorm-normalising its rows (@norm, gamma and
 * beta folded into the weights by swin_pack_fold_layernorm()), against the
 * CPU's gather, LayerNorm and Linear one after the other.  With fp16 weights
 * the reference folds and rounds them itself. */
static void
check_gemm_fused (int B, int H, int W, int Cin, int N, gboolean gather, gboolean norm, gboolean gelu)
{
  GError *error = NULL;
  int M = gather ? B * (H / 2) * (W / 2) : B * H * W, K = gather ? 4 * Cin : Cin;
  size_t n_in = (size_t) B * H * W * Cin;
  float *x = g_new (float, n_in), *rows = g_new (float, n_in), *normed = g_new (float, n_in);
  float *g = g_new (float, K), *be = g_new (float, K), *ones = g_new (float, K), *zeros = g_new0 (float, K);
  float *w = g_new (float, (size_t) N * K), *wf = g_new (float, (size_t) N * K), *b = g_new (float, N);
  float *bf = g_new (float, 2 * swin_packed_bias_size (N)), *bias_ref = g_new (float, N);
  float *want = g_new (float, (size_t) M * N), *packed = g_new (float, swin_packed_linear_size (N, K));
  SwinGemmParams params = SWIN_GEMM_PARAMS_DEFAULT;
  SwinBuffer *ba, *bw, *bb, *bo;
  SwinCmd *cmd;

  swin_test_fill (x, n_in, 21, 3.0f);
  for (size_t i = 0; i < n_in; i++)
    x[i] += 2.0f;   /* a mean far from zero: the one-pass variance and the column-sum correction */
  swin_test_fill (g, K, 22, 1.0f);
  swin_test_fill (be, K, 23, 1.0f);
  swin_test_fill (w, (size_t) N * K, 24, 1.0f / sqrtf (K));
  swin_test_fill (b, N, 25, 0.5f);
  for (int k = 0; k < K; k++)
    ones[k] = 1.0f;
  if (gather)
    swin_cpu_merge_gather (x, B, H, W, Cin, rows);
  else
    memcpy (rows, x, n_in * sizeof (float));

  memset (bf, 0, 2 * swin_packed_bias_size (N) * sizeof (float));
  if (norm) {
    /* reference: normalise, then the Linear with gamma and beta applied to
     * it by hand (rounded to fp16 where the weights are stored so) */
    swin_cpu_layernorm (rows, M, K, ones, zeros, normed);
    swin_pack_fold_layernorm (w, b, N, K, g, be, half_weights, wf, bf);
    for (int n = 0; n < N; n++) {
      double shift = b[n];
      for (int k = 0; k < K; k++) {
        float v = w[(size_t) n * K + k] * g[k];
        shift += (double) w[(size_t) n * K + k] * be[k];
        w[(size_t) n * K + k] = half_weights ? swin_test_round_to_f16 (v) : v;
      }
      bias_ref[n] = (float) shift;
    }
    swin_cpu_linear (normed, M, K, w, bias_ref, N, want);
  } else {
    memcpy (wf, w, (size_t) N * K * sizeof (float));
    memcpy (bf, b, N * sizeof (float));
    if (half_weights)
      for (size_t i = 0; i < (size_t) N * K; i++)
        w[i] = swin_test_round_to_f16 (w[i]);
    swin_cpu_linear (rows, M, K, w, b, N, want);
  }
  if (gelu)
    swin_cpu_gelu (want, (size_t) M * N);
  if (half_weights)
    swin_pack_linear_f16 (wf, N, K, (guint16 *) packed);
  else
    swin_pack_linear (wf, N, K, packed);

  ba = swin_test_buffer_new (ctx, x, n_in);
  bw = swin_test_buffer_new (ctx, packed, swin_packed_linear_size (N, K));
  bb = swin_test_buffer_new (ctx, bf, 2 * swin_packed_bias_size (N));
  bo = swin_test_buffer_new (ctx, NULL, (size_t) M * N);
  params.gelu = gelu;
  params.norm_a = norm;
  if (gather) {
    params.gather_h = H;
    params.gather_w = W;
  }
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding A = swin_test_binding (ba), Wb = swin_test_binding (bw), Bb = swin_test_binding (bb), O = swin_test_binding (bo);
    gboolean ok;

    if (half_weights)
      Wb.format = VK_FORMAT_R16G16B16A16_SFLOAT;
    ok = swin_op_gemm_full (cmd, ctx, &A, &Wb, &Bb, &O, M, N, K, &params, &error);
    swin_test_recorded (ctx, SWIN_OP_GEMM, gemm_variant, ok, error, TRUE);
  }
  swin_test_cmd_run (ctx, cmd);
  swin_test_assert_close (bo->mapped, want, (size_t) M * N, gemm_tolerance);

  swin_buffer_free (ctx, ba); swin_buffer_free (ctx, bw); swin_buffer_free (ctx, bb); swin_buffer_free (ctx, bo);
  g_free (x); g_free (rows); g_free (normed); g_free (g); g_free (be); g_free (ones); g_free (zeros);
  g_free (w); g_free (wf); g_free (b); g_free (bf); g_free (bias_ref); g_free (want); g_free (packed);
}

/* Every GEMM variant gathering and normalising, as test_gemm. */
static void
test_gemm_fused (gconstpointer data)
{
  if (!gemm_case_begin (data))
    goto out;
  check_gemm_fused (2, 6, 4, 12, 24, TRUE, FALSE, FALSE);   /* Swin V2's merge: gather alone */
  check_gemm_fused (1, 14, 14, 96, 192, TRUE, FALSE, FALSE);
  check_gemm_fused (2, 6, 4, 12, 24, TRUE, TRUE, FALSE);    /* V1's merge: gather + LayerNorm */
  check_gemm_fused (3, 14, 14, 8, 16, TRUE, TRUE, FALSE);   /* K = 32: K / 16 = 2 per part */
  check_gemm_fused (1, 14, 14, 48, 96, TRUE, TRUE, FALSE);
  check_gemm_fused (2, 7, 7, 96, 288, FALSE, TRUE, FALSE);  /* qkv */
  check_gemm_fused (1, 7, 9, 20, 70, FALSE, TRUE, TRUE);    /* fc1; K / 4 = 5: every k loop */
  check_gemm_fused (1, 3, 3, 768, 100, FALSE, TRUE, FALSE); /* long rows */
out:
  gemm_case_end ();
}

/* Every variant (a row per invocation, re-fetched or cached in private
 * memory; a row per workgroup) on every device. */
static void
test_layernorm (gconstpointer variant)
{
  layernorm_variant = variant;
  swin_test_force (ctx, SWIN_OP_LAYERNORM, variant);
  check_layernorm (2, 5, 3, 20, FALSE, ADD_NONE);
  check_layernorm (1, 7, 7, 96, FALSE, ADD_REPEAT);
  check_layernorm (3, 7, 7, 24, FALSE, ADD_RESIDUAL);
  check_layernorm (2, 6, 4, 12, TRUE, ADD_NONE);
  check_layernorm (3, 14, 14, 8, TRUE, ADD_NONE);
  check_layernorm (1, 3, 3, 1024, FALSE, ADD_NONE); /* the longest row cached in private memory */
  check_layernorm (1, 2, 2, 1536, TRUE, ADD_NONE);  /* long rows: several texels per invocation, not cached */
  swin_test_force (ctx, SWIN_OP_LAYERNORM, NULL);
}

/* The patch embedding (the conv weight as a Linear) against the CPU's direct
 * convolution: with @in_place the GEMM (the variant forced, the weights'
 * storage the case's: gemm_case_begin) reads the patches where they lie in
 * the image, else im2col copies them out first for whichever GEMM. */
static void
check_patch_embed (int B, int Cin, int H, int W, int P, int C, gboolean in_place)
{
  GError *error = NULL;
  const int K = Cin * P * P, rows = B * (H / P) * (W / P);
  size_t n_img = (size_t) B * Cin * H * W, n_out = (size_t) rows * C;
  float *img = g_new (float, n_img), *w = g_new (float, C * K), *wr = g_new (float, C * K);
  float *b = g_new (float, C), *want = g_new (float, n_out);
  float *packed = g_new (float, swin_packed_linear_size (C, K));
  SwinGemmParams params = SWIN_GEMM_PARAMS_DEFAULT;
  SwinBuffer *bi, *bc, *bw, *bb, *bo;
  SwinCmd *cmd;

  swin_test_fill (img, n_img, 9, 2.0f);
  swin_test_fill (w, C * K, 10, 0.2f);
  swin_test_fill (b, C, 11, 1.0f);
  for (int i = 0; i < C * K; i++)
    wr[i] = half_weights ? swin_test_round_to_f16 (w[i]) : w[i];
  swin_cpu_patch_embed (img, B, Cin, H, W, P, wr, b, C, want);
  if (half_weights)
    swin_pack_linear_f16 (w, C, K, (guint16 *) packed);
  else
    swin_pack_linear (w, C, K, packed);
  bi = swin_test_buffer_new (ctx, img, n_img);
  bc = swin_test_buffer_new (ctx, NULL, (size_t) rows * K);
  bw = swin_test_buffer_new (ctx, packed, swin_packed_linear_size (C, K));
  bb = swin_test_buffer_new (ctx, b, C);
  bo = swin_test_buffer_new (ctx, NULL, n_out);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding I = swin_test_binding (bi), Cb = swin_test_binding (bc), Wb = swin_test_binding (bw), Bb = swin_test_binding (bb), O = swin_test_binding (bo);
    gboolean ok;

    if (half_weights)
      Wb.format = VK_FORMAT_R16G16B16A16_SFLOAT;
    if (in_place) {
      params.patch = P;
      params.gather_h = H;
      params.gather_w = W;
      ok = swin_op_gemm_full (cmd, ctx, &I, &Wb, &Bb, &O, rows, C, K, &params, &error);
      swin_test_recorded (ctx, SWIN_OP_GEMM, gemm_variant, ok, error, TRUE);
    } else {
      ok = swin_op_im2col (cmd, ctx, &I, &Cb, B, Cin, H, W, P, &error) &&
           swin_op_gemm_full (cmd, ctx, &Cb, &Wb, &Bb, &O, rows, C, K, &params, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  }
  swin_test_cmd_run (ctx, cmd);
  swin_test_assert_close (bo->mapped, want, n_out, gemm_tolerance);
  swin_buffer_free (ctx, bi); swin_buffer_free (ctx, bc); swin_buffer_free (ctx, bw);
  swin_buffer_free (ctx, bb); swin_buffer_free (ctx, bo);
  g_free (img); g_free (w); g_free (wr); g_free (b); g_free (want); g_free (packed);
}

/* Patch sizes that are not whole texels go through im2col; the GEMM refuses
 * to read them in place. */
static void
test_patch_embed (void)
{
  SwinGemmParams params = SWIN_GEMM_PARAMS_DEFAULT;
  GError *error = NULL;
  SwinBuffer *buf;
  SwinCmd *cmd;

  check_patch_embed (2, 3, 12, 20, 4, 20, FALSE);
  check_patch_embed (1, 3, 10, 6, 2, 8, FALSE);
  check_patch_embed (1, 4, 9, 6, 3, 12, FALSE);

  buf = swin_test_buffer_new (ctx, NULL, 3 * 10 * 6);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding X = swin_test_binding (buf);

    params.patch = 2;
    params.gather_h = 10;
    params.gather_w = 6;
    g_assert_false (swin_op_gemm_full (cmd, ctx, &X, &X, &X, &X, 15, 8, 12, &params, &error));
    g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
    g_assert_nonnull (strstr (error->message, "multiple of 4"));
    g_clear_error (&error);
  }
  swin_cmd_free (cmd);
  swin_buffer_free (ctx, buf);
}

/* Every GEMM variant reading the patches in place, as test_gemm. */
static void
test_patch_embed_in_place (gconstpointer data)
{
  if (!gemm_case_begin (data))
    goto out;
  check_patch_embed (2, 3, 12, 20, 4, 20, TRUE);   /* Swin's stem, small */
  check_patch_embed (1, 3, 224, 224, 4, 96, TRUE); /* Swin-T's */
  check_patch_embed (3, 1, 16, 12, 4, 10, TRUE);   /* one channel; N % 4 != 0 */
  check_patch_embed (2, 3, 16, 24, 8, 24, TRUE);   /* two texels a patch row */
out:
  gemm_case_end ();
}

/* The final LayerNorm and the pooling in one pass, against the CPU's
 * LayerNorm then average pool. */
static void
check_avgpool_norm (int B, int L, int C)
{
  GError *error = NULL;
  size_t n = (size_t) B * L * C;
  float *x = g_new (float, n), *normed = g_new (float, n), *want = g_new (float, (size_t) B * C);
  float *g = g_new (float, C), *b = g_new (float, C);
  SwinBuffer *bx, *bg, *bb, *bo;
  SwinCmd *cmd;

  swin_test_fill (x, n, 16, 4.0f);
  for (size_t i = 0; i < n; i++)
    x[i] += 3.0f;   /* a mean far from zero: the two-pass variance */
  swin_test_fill (g, C, 17, 1.0f);
  swin_test_fill (b, C, 18, 1.0f);
  swin_cpu_layernorm (x, B * L, C, g, b, normed);
  swin_cpu_avgpool (normed, B, L, C, want);
  bx = swin_test_buffer_new (ctx, x, n);
  bg = swin_test_buffer_new (ctx, g, C);
  bb = swin_test_buffer_new (ctx, b, C);
  bo = swin_test_buffer_new (ctx, NULL, (size_t) B * C);
  cmd = swin_test_cmd_begin (ctx);
  {
    SwinBinding X = swin_test_binding (bx), G = swin_test_binding (bg), Bb = swin_test_binding (bb), O = swin_test_binding (bo);
    g_assert_true (swin_op_avgpool_norm (cmd, ctx, &X, &G, &Bb, &O, B, L, C, &error));
    g_assert_no_error (error);
  }
  swin_test_cmd_run (ctx, cmd);
  swin_test_assert_close (bo->mapped, want, (size_t) B * C, 1e-5f);
  swin_buffer_free (ctx, bx); swin_buffer_free (ctx, bg); swin_buffer_free (ctx, bb);
  swin_buffer_free (ctx, bo);
  g_free (x); g_free (normed); g_free (want); g_free (g); g_free (b);
}

static void
test_avgpool_norm (void)
{
  GError *error = NULL;
  SwinBuffer *buf = swin_test_buffer_new (ctx, NULL, 64);
  SwinBinding X = swin_test_binding (buf);
  SwinCmd *cmd;

  check_avgpool_norm (1, 49, 768);   /* Swin-T's: 3 channel texels per invocation */
  check_avgpool_norm (3, 49, 36);    /* fewer channel texels than invocations */
  check_avgpool_norm (2, 150, 260);  /* tokens in three chunks of statistics */
  check_avgpool_norm (2, 1, 4);

  cmd = swin_test_cmd_begin (ctx);
  g_assert_false (swin_op_avgpool_norm (cmd, ctx, &X, &X, &X, &X, 1, 4, 14, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_cmd_free (cmd);
  swin_buffer_free (ctx, buf);
}

/* More workgroups than one grid dimension is guaranteed to hold (65535,
 * the Vulkan minimum of maxComputeWorkGroupCount): Swin-T's im2col at batch
 * 64 needs 150528, its GEMMs and LayerNorms at batch 1024 50176 and Swin-B
 * 384's 147456.  Tall thin shapes keep each check within ~70 MB. */
#define GRID_MAX 65535

static void
test_large_grid_gemm (gconstpointer variant)
{
  /* 64 rows per workgroup row in both variants (16 x 4; 4 x 16) */
  const int M = 64 * GRID_MAX + 100;

  gemm_variant = variant;
  swin_test_force (ctx, SWIN_OP_GEMM, variant);
  check_gemm (M, 4, 4, FALSE, TRUE);
  swin_test_force (ctx, SWIN_OP_GEMM, NULL);
}

static void
test_large_grid_layernorm (gconstpointer variant)
{
  layernorm_variant = variant;
  swin_test_force (ctx, SWIN_OP_LAYERNORM, variant);
  /* 64 rows per workgroup (a row per invocation), or a row per workgroup */
  if (strcmp (variant, "layernorm_rows") == 0) {
    check_layernorm (GRID_MAX + 100, 1, 1, 4, FALSE, ADD_REPEAT);
    check_layernorm (GRID_MAX + 100, 1, 1, 4, FALSE, ADD_RESIDUAL);  /* chunked with its rows */
  } else {
    check_layernorm (GRID_MAX + 64, 8, 8, 4, FALSE, ADD_REPEAT);
  }
  swin_test_force (ctx, SWIN_OP_LAYERNORM, NULL);
}

static void
test_large_grid_im2col (void)
{
  /* 4 x 1028 x 1024 values, 64 per workgroup: 65792 workgroups */
  check_patch_embed (1, 4, 1028, 1024, 4, 4, FALSE);
}

static void
test_large_grid_avgpool (void)
{
  check_avgpool_norm (65600, 1, 4);   /* a workgroup per image: 65600 */
}

/* Operations too large to bind at once run in chunks of rows or images. */
static void
test_chunked (void)
{
  VkPhysicalDeviceLimits saved = swin_test_lower_binding_limits (ctx);

  gemm_variant = "gemm";
  swin_test_force (ctx, SWIN_OP_GEMM, gemm_variant);
  check_gemm (1000, 96, 96, TRUE, TRUE);           /* 170 rows per chunk */
  check_gemm (1000, 5, 4, FALSE, FALSE);           /* 20-byte rows: 64 per chunk keep the offsets aligned */
  check_patch_embed (8, 3, 32, 32, 4, 16, TRUE);   /* 768 texels an image: 5 images per chunk */
  layernorm_variant = "layernorm";
  swin_test_force (ctx, SWIN_OP_LAYERNORM, layernorm_variant);
  check_layernorm (3, 40, 40, 8, FALSE, TRUE);     /* an image of 1600 rows per chunk */
  check_layernorm (130, 8, 8, 8, TRUE, FALSE);     /* gathered: 32 images per chunk */
  check_layernorm (1, 100, 100, 4, FALSE, FALSE);  /* rows */
  check_patch_embed (130, 4, 8, 8, 4, 4, FALSE);   /* 16 images per chunk */
  check_avgpool_norm (200, 3, 100);   /* 54 images per chunk */
  swin_test_force (ctx, SWIN_OP_GEMM, NULL);
  swin_test_force (ctx, SWIN_OP_LAYERNORM, NULL);
  ctx->props.limits = saved;
}

/* One thread's call that must finish while the test holds a lock. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done, ok;
  SwinCmd *cmd;           /* submit it; NULL: record what needs a new pipeline */
} LockProbe;

static gpointer
lock_probe_run (gpointer data)
{
  LockProbe *probe = data;
  GError *error = NULL;
  gboolean ok;

  if (probe->cmd) {
    ok = swin_cmd_submit_wait (ctx, &probe->cmd, 1, &error);
  } else {
    /* a LayerNorm of 44 channels: a specialisation no other test uses */
    SwinBuffer *b = swin_test_buffer_new (ctx, NULL, 4 * 44);
    SwinBinding X = swin_test_binding (b);
    SwinCmd *cmd = swin_test_cmd_begin (ctx);

    ok = swin_op_layernorm (cmd, ctx, &X, &X, &X, &X, 4, 44, 0, 0, NULL, 0, &error);
    swin_cmd_free (cmd);
    swin_buffer_free (ctx, b);
  }
  g_assert_no_error (error);
  g_mutex_lock (&probe->lock);
  probe->done = TRUE;
  probe->ok = ok;
  g_cond_signal (&probe->cond);
  g_mutex_unlock (&probe->lock);
  return NULL;
}

/* Runs @probe in a thread while @held is locked; it must finish within 60 s. */
static void
check_not_blocked (GMutex *held, LockProbe *probe)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  GThread *t;

  g_mutex_init (&probe->lock);
  g_cond_init (&probe->cond);
  g_mutex_lock (held);
  t = g_thread_new ("lock-probe", lock_probe_run, probe);
  g_mutex_lock (&probe->lock);
  while (!probe->done)
    if (!g_cond_wait_until (&probe->cond, &probe->lock, deadline))
      g_error ("blocked by a lock it does not need");
  g_mutex_unlock (&probe->lock);
  g_mutex_unlock (held);
  g_thread_join (t);
  g_assert_true (probe->ok);
  g_mutex_clear (&probe->lock);
  g_cond_clear (&probe->cond);
}

/* A pipeline being created (under the cache lock at most) does not stall
 * a submission, nor a submission in progress a pipeline's creation. */
static void
test_locks (void)
{
  GError *error = NULL;
  SwinBuffer *bx = swin_test_buffer_new (ctx, NULL, 64), *bo = swin_test_buffer_new (ctx, NULL, 64);
  SwinCmd *cmd = swin_test_cmd_begin (ctx);
  SwinBinding X = swin_test_binding (bx), O = swin_test_binding (bo);
  LockProbe submit = { 0 }, create = { 0 };

  g_assert_true (swin_op_avgpool_norm (cmd, ctx, &X, &X, &X, &O, 1, 4, 16, &error));
  g_assert_true (swin_cmd_end (cmd, &error));
  submit.cmd = cmd;
  check_not_blocked (&ctx->cache_lock, &submit);
  check_not_blocked (&ctx->queue_lock, &create);
  swin_cmd_free (cmd);
  swin_buffer_free (ctx, bx);
  swin_buffer_free (ctx, bo);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  for (guint i = 0; i < G_N_ELEMENTS (gemm_cases); i++) {
    const GemmCase *c = &gemm_cases[i];
    g_autofree char *plain = g_strdup_printf ("/kernels/gemm/%s%s", c->variant, c->half ? "-fp16" : "");
    g_autofree char *fused = g_strdup_printf ("/kernels/gemm-fused/%s%s", c->variant,
                                              c->half ? "-fp16" : "");

    g_autofree char *patches = g_strdup_printf ("/kernels/patch-embed/%s%s", c->variant,
                                                c->half ? "-fp16" : "");

    g_test_add_data_func (plain, c, test_gemm);
    g_test_add_data_func (fused, c, test_gemm_fused);
    g_test_add_data_func (patches, c, test_patch_embed_in_place);
  }
  g_test_add_data_func ("/kernels/layernorm/row-per-invocation", "layernorm", test_layernorm);
  g_test_add_data_func ("/kernels/layernorm/row-per-invocation-cached", "layernorm_private", test_layernorm);
  g_test_add_data_func ("/kernels/layernorm/row-per-workgroup", "layernorm_rows", test_layernorm);
  g_test_add_func ("/kernels/patch-embed/im2col", test_patch_embed);
  g_test_add_func ("/kernels/avgpool-norm", test_avgpool_norm);
  g_test_add_data_func ("/kernels/large-grid/gemm", "gemm", test_large_grid_gemm);
  g_test_add_data_func ("/kernels/large-grid/gemm_tiled", "gemm_tiled", test_large_grid_gemm);
  g_test_add_data_func ("/kernels/large-grid/layernorm", "layernorm", test_large_grid_layernorm);
  g_test_add_data_func ("/kernels/large-grid/layernorm_private", "layernorm_private",
                        test_large_grid_layernorm);
  g_test_add_data_func ("/kernels/large-grid/layernorm_rows", "layernorm_rows", test_large_grid_layernorm);
  g_test_add_func ("/kernels/large-grid/im2col", test_large_grid_im2col);
  g_test_add_func ("/kernels/chunked", test_chunked);
  g_test_add_func ("/kernels/locks", test_locks);
  g_test_add_func ("/kernels/large-grid/avgpool-norm", test_large_grid_avgpool);
  ret = g_test_run ();
  swin_context_free (ctx);
  swin_shutdown ();   /* the validation layer checks the instance is left empty */
  return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fp16 arithmetic (precision=fp16 on a device with shaderFloat16: the GEMMs
 * compute in fp16 and sum in fp32) against the same network in fp32, on
 * the shipped Fashion-MNIST model: its top-1 agrees on at least 99.9% of
 * 1000 random images and of Debian's Fashion-MNIST test set (issue 20),
 * and the largest |delta logit| relative to the logit range is reported
 * and bounded.  Each fp16 variant is forced, so lavapipe (which would keep
 * fp32 arithmetic) runs gemm_tiled_f16 too; the fp32 net runs the device's
 * own choice, itself checked against the CPU by the net test. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_op.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

static SwinContext *ctx;
static SwinModel *model;
static int size;   /* the model's input: size x size */

/* The whole of the gzip file @path, or NULL with @error. */
static GBytes *
read_gz (const char *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) raw = g_file_read (file, NULL, error);
  g_autoptr (GZlibDecompressor) gz = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;

  if (!raw)
    return NULL;
  gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  in = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (gz));
  out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* The test set's 28 x 28 images (IDX: magic 0x803, count, rows, columns). */
static guint8 *
load_test_images (int *count)
{
  GError *error = NULL;
  g_autoptr (GBytes) bytes = read_gz (FASHION_DIR "/t10k-images-idx3-ubyte.gz", &error);
  gsize n;
  const guint8 *d;

  g_assert_no_error (error);
  d = g_bytes_get_data (bytes, &n);
  g_assert_cmpuint (n, >=, 16);
  g_assert_cmphex (be32 (d), ==, 0x803);
  g_assert_cmpuint (be32 (d + 8), ==, 28);
  g_assert_cmpuint (be32 (d + 12), ==, 28);
  *count = (int) be32 (d + 4);
  g_assert_cmpuint (n, ==, 16 + (gsize) *count * 28 * 28);
  return g_memdup2 (d + 16, (gsize) *count * 28 * 28);
}

/* Image @i of @grey, grey in R, G and B, preprocessed for the model (its
 * own normalisation, stretched from 28 to the input size) into @out. */
static void
preprocess (const guint8 *grey, int i, float *out)
{
  guint8 rgb[28 * 28 * 3];
  SwinPreprocessParams params;
  SwinFrame frame = { SWIN_PIXEL_FORMAT_RGB, 28, 28, { rgb }, { 28 * 3 } };
  GError *error = NULL;

  for (int p = 0; p < 28 * 28; p++)
    rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = grey[(gsize) i * 28 * 28 + p];
  swin_preprocess_params_init (&params);
  params.scale_mode = SWIN_SCALE_STRETCH;
  g_assert_true (swin_model_get_normalization (model, params.mean, params.std));
  g_assert_true (swin_cpu_preprocess (&frame, &params, size, size, out, &error));
  g_assert_no_error (error);
}

/* Logits of @batch images at @input through @net, with @variant forced
 * (NULL: the device's choice). */
static float *
run (SwinNet *net, const char *variant, const float *input, int batch)
{
  GError *error = NULL;
  SwinPlan *plan;
  int classes = swin_net_get_arch (net)->num_classes;
  float *logits = g_new (float, (size_t) batch * classes);

  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, variant, &error));
  plan = swin_plan_new (net, batch, size, size, &error);
  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, (size_t) batch * 3 * size * size * sizeof (float));
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);
  if (variant)
    g_assert_cmpstr (swin_op_last_variant (ctx, SWIN_OP_GEMM), ==, variant);
  memcpy (logits, swin_plan_get_logits (plan), (size_t) batch * classes * sizeof (float));
  swin_plan_free (plan);
  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, NULL, &error));
  return logits;
}

/* How @got (fp16) compares with @ref (fp32) over images. */
typedef struct {
  int images, agree;
  float worst;   /* max |delta logit| / that image's logit range */
} Agreement;

static void
agreement_add (Agreement *a, const float *ref, const float *got, int n, int classes)
{
  for (int i = 0; i < n; i++) {
    const float *r = ref + (size_t) i * classes, *g = got + (size_t) i * classes;
    float lo = r[0], hi = r[0];
    int t_ref, t_got;

    for (int c = 1; c < classes; c++) {
      lo = fminf (lo, r[c]);
      hi = fmaxf (hi, r[c]);
    }
    a->worst = fmaxf (a->worst, swin_test_max_diff (g, r, classes) / fmaxf (hi - lo, 1e-6f));
    swin_topk (r, classes, 1, &t_ref);
    swin_topk (g, classes, 1, &t_got);
    a->agree += t_ref == t_got;
    a->images++;
  }
}

/* FALSE (skipped) where the device cannot run @variant; the kernels test
 * checks that it then refuses to. */
static gboolean
can_run (const char *variant)
{
  if (!swin_context_supports_fp16 (ctx) || !ctx->shader_f16 ||
      (strcmp (variant, "gemm_coopmat") == 0 && !ctx->coopmat)) {
    g_test_skip ("the device cannot run this fp16 variant");
    return FALSE;
  }
  return TRUE;
}

/* The images come from @fill in batches; returns the agreement. */
typedef void (*FillFunc) (float *input, int first, int n, const void *data);

static Agreement
compare (const char *variant, int images, FillFunc fill, const void *data)
{
  enum { BATCH = 250 };
  GError *error = NULL;
  SwinNet *net32 = swin_net_new (ctx, model, &error), *net16;
  int classes = swin_model_get_arch (model)->num_classes;
  float *input = g_new (float, (size_t) BATCH * 3 * size * size);
  Agreement a = { 0, 0, 0.0f };

  g_assert_no_error (error);
  /* the fold into the weights follows the GEMM chosen when they are packed */
  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, variant, &error));
  net16 = swin_net_new_full (ctx, model, SWIN_PRECISION_FP16, &error);
  g_assert_no_error (error);
  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, NULL, &error));
  for (int b0 = 0; b0 < images; b0 += BATCH) {
    int n = MIN (BATCH, images - b0);
    float *ref, *got;

    fill (input, b0, n, data);
    ref = run (net32, NULL, input, n);
    got = run (net16, variant, input, n);
    agreement_add (&a, ref, got, n, classes);
    g_free (ref);
    g_free (got);
  }
  g_test_message ("%s: top-1 agrees on %d of %d images; max |delta logit| %.3g of the logit range",
                  variant, a.agree, a.images, a.worst);
  swin_net_free (net16);
  swin_net_free (net32);
  g_free (input);
  return a;
}

static void
fill_random (float *input, int first, int n, const void *data)
{
  swin_test_fill (input, (size_t) n * 3 * size * size, 1000 + first, 2.0f);
}

/* Every stride-th image of the test set. */
typedef struct {
  const guint8 *images;
  int stride;
} FashionSubset;

static void
fill_fashion (float *input, int first, int n, const void *data)
{
  const FashionSubset *set = data;

  for (int i = 0; i < n; i++)
    preprocess (set->images, (first + i) * set->stride, input + (size_t) i * 3 * size * size);
}

/* The bounds: issue 20's 99.9% of top-1s, and logits within 2% of their
 * range (measured on lavapipe with gemm_tiled_f16: 0.21% on random images,
 * 0.34% on the whole test set, whose top-1s agree on 9999 of 10000). */
static void
check (const Agreement *a)
{
  g_assert_cmpint (a->agree, >=, a->images - a->images / 1000);
  g_assert_cmpfloat (a->worst, <=, 0.02f);
}

static void
test_random (gconstpointer variant)
{
  Agreement a;

  if (!can_run (variant))
    return;
  a = compare (variant, 1000, fill_random, NULL);
  check (&a);
}

/* The whole test set on GPUs and with -m slow; lavapipe, which runs the
 * GPU-shaped fp16 GEMM ten times slower than its own fp32 one, takes every
 * fourth image by default (a minute instead of four). */
static void
test_fashion (gconstpointer variant)
{
  FashionSubset set;
  Agreement a;
  guint8 *images;
  int count;

  if (!can_run (variant))
    return;
  if (!g_file_test (FASHION_DIR, G_FILE_TEST_IS_DIR)) {
    g_test_skip ("no " FASHION_DIR " (Debian's dataset-fashion-mnist)");
    return;
  }
  images = load_test_images (&count);
  g_assert_cmpint (count, ==, 10000);
  set.images = images;
  set.stride = g_test_slow () || ctx->gpu_variants ? 1 : 4;
  a = compare (variant, count / set.stride, fill_fashion, &set);
  check (&a);
  g_free (images);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  const char *srcdir = g_getenv ("SWIN_TEST_SRCDIR");
  g_autofree char *path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  path = g_build_filename (srcdir ? srcdir : "tests", "..", "models", "fashion_mnist_swin.safetensors", NULL);
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  size = swin_model_get_arch (model)->img_size;
  g_test_add_data_func ("/fp16/random/gemm_tiled_f16", "gemm_tiled_f16", test_random);
  g_test_add_data_func ("/fp16/random/gemm_coopmat", "gemm_coopmat", test_random);
  g_test_add_data_func ("/fp16/fashion-mnist/gemm_tiled_f16", "gemm_tiled_f16", test_fashion);
  g_test_add_data_func ("/fp16/fashion-mnist/gemm_coopmat", "gemm_coopmat", test_fashion);
  ret = g_test_run ();
  swin_model_free (model);
  swin_context_free (ctx);
  swin_shutdown ();
  return ret;
}

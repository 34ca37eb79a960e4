/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Vulkan forward against the CPU reference forward on generated models:
 * weights beyond maxStorageBufferRange, batch > 1, resolutions that pad the
 * windows, the window rule of each layout; device selection and argument errors. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_test_model.h"
#include "swin_context.h"
#include "swin_introspect.h"
#include "swin_op.h"

static SwinContext *ctx;
static char *tmpdir;

static SwinModel *
make_model (const SwinInitParams *params, const char *name)
{
  return swin_test_make_model (tmpdir, name, params);
}

/* Opens @device with no log. */
static SwinContext *
context_on (const char *device, GError **error)
{
  SwinContextParams params;

  swin_context_params_init (&params);
  params.device = device;
  return swin_context_new (&params, error);
}

/* Runs both forwards on a random input and compares them. */
static void
compare_forwards (SwinModel *m, int batch, int h, int w)
{
  const SwinArch *a = swin_model_get_arch (m);
  size_t n_in = (size_t) batch * a->in_chans * h * w, n_out = (size_t) batch * a->num_classes;
  size_t n_feat = (size_t) batch * SWIN_ARCH_NUM_FEATURES (a);
  float *input = g_new (float, n_in), *cpu = g_new (float, n_out), *cpu_feat = g_new (float, n_feat);
  GError *error = NULL;
  SwinNet *net;
  SwinPlan *plan;
  float diff, bound;

  swin_test_fill (input, n_in, 21, 2.0f);
  g_assert_true (swin_cpu_forward_full (m, input, batch, h, w, cpu, cpu_feat, &error));
  g_assert_no_error (error);
  net = swin_net_new (ctx, m, &error);
  g_assert_no_error (error);
  plan = swin_plan_new (net, batch, h, w, &error);
  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, n_in * sizeof (float));
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);

  diff = swin_test_max_diff (swin_plan_get_logits (plan), cpu, n_out);
  /* Relative to the logits themselves: random-init logits are small. */
  bound = 1e-4f * swin_test_max_abs (cpu, n_out);
  g_assert_cmpfloat (bound, >, 0.0f);
  g_test_message ("batch %d %dx%d: max |delta| %.3g (bound %.3g)", batch, h, w, diff, bound);
  g_assert_cmpfloat (diff, <=, bound);
  /* The pooled features, the head's input, as well. */
  diff = swin_test_max_diff (swin_plan_get_features (plan), cpu_feat, n_feat);
  bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (cpu_feat, n_feat));
  g_test_message ("batch %d %dx%d features: max |delta| %.3g (bound %.3g)", batch, h, w, diff, bound);
  g_assert_cmpfloat (diff, <=, bound);

  swin_plan_free (plan);
  swin_net_free (net);
  g_free (input);
  g_free (cpu);
  g_free (cpu_feat);
}

/* A tiny 3-stage model: C = 16, 32, 64 with head dims 8, 8, 16. */
static SwinInitParams
tiny (int window, int img_size)
{
  SwinInitParams p = {
    .embed_dim = 16, .num_stages = 3, .depths = { 2, 2, 2 }, .heads = { 2, 4, 4 },
    .window = window, .num_classes = 10, .img_size = img_size, .seed = 5,
  };
  return p;
}

/* The window geometry follows the layout (swin_geometry.h): torchvision pads
 * small maps up to the window, the original and timm layouts shrink it. */
static void
test_batch_and_sizes (gconstpointer layout)
{
  SwinInitParams p = tiny (7, 112);
  SwinModel *m;

  p.layout = GPOINTER_TO_INT (layout);
  m = make_model (&p, "tiny.safetensors");
  compare_forwards (m, 3, 112, 112);   /* maps 28, 14, 7: exact windows */
  compare_forwards (m, 2, 64, 96);     /* maps 16x24, 8x12, 4x6: padding, then a small map */
  compare_forwards (m, 1, 32, 32);     /* maps 8, 4, 2 */
  compare_forwards (m, 1, 32, 64);     /* maps 8x16, 4x8, 2x4: small non-square maps */
  swin_model_free (m);
}

static void
test_window12 (void)
{
  SwinInitParams p = tiny (12, 192);
  SwinModel *m = make_model (&p, "tiny12.safetensors");

  compare_forwards (m, 2, 192, 192);   /* maps 48, 24, 12 */
  swin_model_free (m);
}

/* The GPU kernels forced on whatever device runs the test: the shared-memory
 * GEMM normalises its rows, so V1's LayerNorms before qkv, fc1 and the patch
 * merging are folded into the GEMMs (69 dispatches for Swin-T instead of 96);
 * V2 gathers in the GEMM only.  Forced before the net packs its weights,
 * which it folds or not from the same choice. */
static void
test_gpu_kernels (gconstpointer version)
{
  SwinInitParams p = tiny (7, 112);
  GError *error = NULL;
  SwinModel *m;

  p.version = GPOINTER_TO_INT (version);
  m = make_model (&p, "tiny-gpu.safetensors");
  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, "gemm_tiled", &error) &&
                 swin_op_force (ctx, SWIN_OP_ATTENTION, "attention_wg", &error) &&
                 swin_op_force (ctx, SWIN_OP_LAYERNORM, "layernorm_rows", &error));
  g_assert_no_error (error);
  g_assert_true (swin_op_gemm_normalises (ctx));
  compare_forwards (m, 3, 112, 112);
  compare_forwards (m, 2, 64, 96);
  for (SwinOp op = 0; op < SWIN_OP_COUNT; op++)
    g_assert_true (swin_op_force (ctx, op, NULL, NULL));
  g_assert_true (swin_op_gemm_normalises (ctx) == (ctx->gpu_variants || swin_lanes_shuffle (ctx)));
  swin_model_free (m);
}

/* The dispatches of a forward with Swin-T's depths (2, 2, 6, 2), counted by
 * the profile that `swin bench` prints, per label: with the plain
 * register-tiled GEMM every LayerNorm is its own pass; with gemm_shuffle
 * (lavapipe) and the tiled GEMM (GPUs) the LayerNorms before qkv and fc1 and
 * each merge's norm and gather are read by the GEMM, and only the stem's
 * norm remains; with the tiled GEMM qkv is also computed inside the
 * attention (attention_qkv), unless the context asks for the two apart
 * (SwinContextParams.unfused_attention, "gemm_tiled-unfused" here).  Every
 * GEMM reads the 4 x 4 patches of the image in place (no im2col), and the
 * final norm is inside the pooling. */
static void
test_dispatch_count (gconstpointer data)
{
  const gboolean unfused = g_str_has_suffix (data, "-unfused");
  const char *variant = unfused ? "gemm_tiled" : data;
  const gboolean tiled = strcmp (variant, "gemm_tiled") == 0;
  const gboolean folded = tiled || strcmp (variant, "gemm_shuffle") == 0, fused = tiled && !unfused;
  const struct {
    const char *label;
    int count;
  } expected[] = {
    { "im2col", 0 }, { "patch_embed", 1 }, { "layernorm", folded ? 1 : 25 },
    { "qkv", fused ? 0 : 12 }, { "attention", fused ? 0 : 12 }, { "attention_qkv", fused ? 12 : 0 },
    { "proj", 12 }, { "fc1", 12 }, { "fc2", 12 },
    { "merge_norm", folded ? 0 : 3 }, { "merge", 3 }, { "pool", 1 }, { "head", 1 },
  };
  SwinInitParams p = {
    .embed_dim = 16, .num_stages = 4, .depths = { 2, 2, 6, 2 }, .heads = { 1, 2, 4, 8 },
    .window = 7, .num_classes = 10, .img_size = 224, .seed = 3,
  };
  GArray *stats = g_array_new (FALSE, FALSE, sizeof (SwinKernelStat));
  GError *error = NULL;
  SwinModel *m = make_model (&p, "depths-2262.safetensors");
  SwinContextParams cp;
  SwinContext *c = ctx;
  SwinNet *net;
  SwinPlan *plan;
  int total = 0, want = 0;

  if (strcmp (variant, "gemm_shuffle") == 0 && !swin_lanes_shuffle (ctx)) {
    g_test_skip ("no subgroup shuffles in subgroups of 8 on this device");
    g_array_unref (stats);
    swin_model_free (m);
    return;
  }
  if (unfused) {
    swin_context_params_init (&cp);
    cp.unfused_attention = TRUE;
    c = swin_test_context_with_params (&cp);
  }
  /* The fold is decided when the weights are packed: force first. */
  g_assert_true (swin_op_force (c, SWIN_OP_GEMM, variant, &error));
  net = swin_net_new (c, m, &error);
  g_assert_no_error (error);
  plan = swin_plan_new_full (net, 1, 224, 224, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (swin_plan_run (plan, &error) && swin_plan_get_profile (plan, stats, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    int count = 0;
    for (guint j = 0; j < stats->len; j++)
      if (strcmp (g_array_index (stats, SwinKernelStat, j).label, expected[i].label) == 0)
        count = g_array_index (stats, SwinKernelStat, j).count;
    g_test_message ("%s: %d", expected[i].label, count);
    g_assert_cmpint (count, ==, expected[i].count);
    want += expected[i].count;
  }
  for (guint j = 0; j < stats->len; j++)
    total += g_array_index (stats, SwinKernelStat, j).count;
  g_assert_cmpint (total, ==, want);
  g_assert_cmpint (total, ==, fused ? 55 : folded ? 67 : 94);
  g_assert_true (swin_op_force (c, SWIN_OP_GEMM, NULL, NULL));
  g_array_unref (stats);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (m);
  if (c != ctx)
    swin_context_free (c);
}

/* A head of 1024 x 40000 floats (164 MB) exceeds lavapipe's 128 MiB
 * maxStorageBufferRange: every tensor must be bound as its own range. */
static void
test_large_weights (void)
{
  SwinInitParams p = {
    .embed_dim = 128, .num_stages = 4, .depths = { 1, 1, 1, 1 }, .heads = { 4, 8, 16, 32 },
    .window = 7, .num_classes = 40000, .img_size = 224, .seed = 9,
  };
  SwinModel *m = make_model (&p, "large.safetensors");

  g_assert_cmpint (swin_model_get_arch (m)->num_params * 4, >, 128 << 20);
  compare_forwards (m, 1, 224, 224);
  swin_model_free (m);
}

/* The logits of @batch images of @input through one plan. */
static float *
run_plan (SwinNet *net, const float *input, int batch, int h, int w)
{
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  SwinPlan *plan = swin_plan_new (net, batch, h, w, &error);
  const SwinArch *a = swin_net_get_arch (net);
  size_t n_out = (size_t) batch * a->num_classes;
  float *logits = g_new (float, n_out);

  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, (size_t) batch * a->in_chans * h * w * sizeof (float));
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);
  memcpy (logits, swin_plan_get_logits (plan), n_out * sizeof (float));
  g_test_message ("batch %d: plan and run in %.1f s", batch, (g_get_monotonic_time () - t0) / 1e6);
  swin_plan_free (plan);
  return logits;
}

/* Swin-T (224, window 7, C = 96, depths 2-2-6-2) at batch 64: its im2col
 * alone is 150528 workgroups of 64, more than one grid dimension holds, and
 * its MLP's hidden rows (308 MB) exceed lavapipe's maxStorageBufferRange.
 * Creating the plan records every dispatch, each checked against the
 * device's limits.  Running it takes 90 s on lavapipe (-m slow): then the
 * first and last image must give what a batch of one gives for them
 * (itself checked against the CPU above). */
static void
test_swin_t_batch64 (void)
{
  SwinInitParams p = {
    .embed_dim = 96, .num_stages = 4, .depths = { 2, 2, 6, 2 }, .heads = { 3, 6, 12, 24 },
    .window = 7, .num_classes = 10, .img_size = 224, .seed = 11,
  };
  const int B = 64, classes = 10;
  const size_t per_image = 3 * 224 * 224;
  SwinModel *m = make_model (&p, "swin-t.safetensors");
  GError *error = NULL;
  SwinNet *net = swin_net_new (ctx, m, &error);
  float *input = NULL, *batch;

  g_assert_no_error (error);
  if (!g_test_slow ()) {
    SwinPlan *plan = swin_plan_new (net, B, 224, 224, &error);
    g_assert_no_error (error);
    swin_plan_free (plan);
    g_test_message ("recorded only; run with -m slow to run it");
    goto out;
  }
  input = g_new (float, B * per_image);
  swin_test_fill (input, B * per_image, 41, 2.0f);
  batch = run_plan (net, input, B, 224, 224);
  for (int i = 0; i < B; i += B - 1) {
    float *one = run_plan (net, input + i * per_image, 1, 224, 224);
    float diff = swin_test_max_diff (batch + i * classes, one, classes);
    g_test_message ("image %d: max |delta| %.3g", i, diff);
    g_assert_cmpfloat (diff, <=, 1e-4f * swin_test_max_abs (one, classes));
    g_free (one);
  }
  g_free (batch);
out:
  g_free (input);
  swin_net_free (net);
  swin_model_free (m);
}

/* fp16 weight storage: close to the fp32 reference, same top-1. */
static void
test_fp16 (void)
{
  SwinInitParams p = tiny (7, 112);
  SwinModel *m;
  const SwinArch *a;
  GError *error = NULL;
  SwinNet *net;
  SwinPlan *plan;
  float *input, *cpu;
  size_t n_in;
  float diff, bound;
  int t_ref, t_got;

  if (!swin_context_supports_fp16 (ctx)) {
    g_assert_null (swin_net_new_full (ctx, NULL, SWIN_PRECISION_FP16, &error));
    g_assert_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE);
    g_clear_error (&error);
    g_test_skip ("no fp16 texel buffers on this device");
    return;
  }
  m = make_model (&p, "tiny16.safetensors");
  a = swin_model_get_arch (m);
  n_in = (size_t) 3 * 112 * 112;
  input = g_new (float, n_in);
  cpu = g_new (float, a->num_classes);
  swin_test_fill (input, n_in, 31, 2.0f);
  g_assert_true (swin_cpu_forward (m, input, 1, 112, 112, cpu, &error));
  net = swin_net_new_full (ctx, m, SWIN_PRECISION_FP16, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_net_get_precision (net), ==, SWIN_PRECISION_FP16);
  plan = swin_plan_new (net, 1, 112, 112, &error);
  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, n_in * sizeof (float));
  g_assert_true (swin_plan_run (plan, &error));
  diff = swin_test_max_diff (swin_plan_get_logits (plan), cpu, a->num_classes);
  bound = 1e-2f * swin_test_max_abs (cpu, a->num_classes);
  g_test_message ("fp16 weights: max |delta| %.3g (bound %.3g)", diff, bound);
  g_assert_cmpfloat (diff, <=, bound);
  /* and fp16 is not simply fp32: the rounding shows */
  g_assert_cmpfloat (diff, >, 0.0f);
  swin_topk (cpu, a->num_classes, 1, &t_ref);
  swin_topk (swin_plan_get_logits (plan), a->num_classes, 1, &t_got);
  g_assert_cmpint (t_ref, ==, t_got);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (m);
  g_free (input);
  g_free (cpu);
}

static void
test_errors (void)
{
  SwinInitParams p = tiny (7, 112);
  SwinModel *m = make_model (&p, "tiny-err.safetensors");
  GError *error = NULL;
  SwinNet *net = swin_net_new (ctx, m, &error);

  g_assert_no_error (error);
  g_assert_null (swin_plan_new (net, 0, 112, 112, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_null (swin_plan_new (net, 1, 100, 112, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_net_free (net);
  swin_model_free (m);
}

/* Profiling a plan made without it is the caller's mistake, not the device's. */
static void
test_profile_without_profiling (void)
{
  SwinInitParams p = tiny (7, 112);
  SwinModel *m = make_model (&p, "tiny-prof.safetensors");
  GError *error = NULL;
  SwinNet *net = swin_net_new (ctx, m, &error);
  SwinPlan *plan = swin_plan_new (net, 1, 112, 112, &error);
  GArray *stats = g_array_new (FALSE, FALSE, sizeof (SwinKernelStat));

  g_assert_no_error (error);
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_false (swin_plan_get_profile (plan, stats, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_array_unref (stats);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (m);
}

/* Once the device is lost every submission fails at once with a clear
 * error, and tearing everything down still works (and validates). */
static void
test_lost_device (void)
{
  SwinInitParams p = tiny (7, 112);
  SwinModel *m = make_model (&p, "tiny-lost.safetensors");
  SwinContext *c = swin_test_context ();
  GError *error = NULL;
  SwinNet *net = swin_net_new (c, m, &error);
  SwinPlan *plan = swin_plan_new (net, 1, 112, 112, &error);
  SwinPreprocessParams pp_params;
  SwinPreprocessor *pp;
  static guint8 pixels[16 * 16 * 3];
  SwinFrame frame = { SWIN_PIXEL_FORMAT_RGB, 16, 16, { pixels }, { 16 * 3 } };

  swin_preprocess_params_init (&pp_params);
  pp = swin_preprocessor_new (plan, &error);
  g_assert_no_error (error);
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &frame, &error), ==, 0);
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &pp_params, &error));
  g_assert_true (swin_preprocessor_run (pp, &error));

  swin_context_mark_lost (c, "simulated by the test");
  g_assert_false (swin_plan_run (plan, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST);
  g_assert_nonnull (strstr (error->message, "simulated by the test"));
  g_clear_error (&error);
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &frame, &error), ==, 0);
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &pp_params, &error));
  g_assert_false (swin_preprocessor_run (pp, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST);
  g_clear_error (&error);
  /* nothing new is made on it either */
  g_assert_null (swin_net_new (c, m, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST);
  g_clear_error (&error);
  g_assert_null (swin_plan_new (net, 1, 112, 112, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST);
  g_clear_error (&error);

  swin_preprocessor_free (pp);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_context_free (c);
  swin_model_free (m);
}

typedef struct {
  GMutex lock;
  GString *text;
} LogCapture;

static void
capture_log (SwinLogLevel level, const char *message, void *data)
{
  LogCapture *cap = data;

  g_mutex_lock (&cap->lock);
  g_string_append_printf (cap->text, "%d %s\n", level, message);
  g_mutex_unlock (&cap->lock);
}

/* The core reports its choices (device and driver, kernel variants, memory)
 * through the context they concern, from the device selection on: another
 * context's handler hears none of them. */
static void
test_log_reports (void)
{
  static const char *expect[] = {
    "Vulkan device", "driver", "gemm on", "attention on", "layernorm on", "weights:", "plan: batch 2",
  };
  LogCapture cap = { .text = g_string_new (NULL) }, other = { .text = g_string_new (NULL) };
  SwinInitParams p = tiny (7, 112);
  SwinModel *m = make_model (&p, "tiny-log.safetensors");
  SwinContext *c, *c2;
  GError *error = NULL;
  SwinNet *net;
  SwinPlan *plan;

  g_mutex_init (&cap.lock);
  g_mutex_init (&other.lock);
  c = swin_test_context_with_log (capture_log, &cap);
  c2 = swin_test_context_with_log (capture_log, &other);
  g_assert_nonnull (strstr (other.text->str, "Vulkan device"));
  g_string_truncate (other.text, 0);
  net = swin_net_new (c, m, &error);
  plan = swin_plan_new (net, 2, 112, 112, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    if (!strstr (cap.text->str, expect[i]))
      g_error ("no report of \"%s\" in:\n%s", expect[i], cap.text->str);
  g_assert_cmpstr (other.text->str, ==, "");
  swin_plan_free (plan);
  swin_net_free (net);
  swin_context_free (c);
  swin_context_free (c2);
  swin_model_free (m);
  g_string_free (cap.text, TRUE);
  g_string_free (other.text, TRUE);
  g_mutex_clear (&cap.lock);
  g_mutex_clear (&other.lock);
}


static void
test_devices (void)
{
  GError *error = NULL;
  char **names = swin_context_list_devices (&error);
  SwinContext *c;

  g_assert_no_error (error);
  g_assert_nonnull (names);
  g_assert_nonnull (names[0]);
  g_strfreev (names);

  g_assert_null (context_on ("no such device anywhere", &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "no such device anywhere"));
  g_clear_error (&error);
  g_assert_null (context_on ("97", &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE);
  g_clear_error (&error);

  c = context_on ("0", &error);
  g_assert_no_error (error);
  g_assert_nonnull (swin_context_get_device_name (c));
  swin_context_free (c);
}

/* Many contexts one after another (every element restart makes one): NVIDIA's
 * driver used to fail the 31st when each context had its own instance. */
static void
test_context_cycles (void)
{
  guint before;

  /* Without the suite's context, each shutdown really destroys the instance
   * and the next context creates (and loads the driver for) a new one. */
  swin_context_free (ctx);
  swin_shutdown ();
  before = swin_instance_creations ();
  for (int i = 0; i < 64; i++) {
    GError *error = NULL;
    SwinContext *c = context_on (g_getenv ("SWIN_TEST_DEVICE"), &error);
    g_assert_no_error (error);
    swin_context_free (c);
    swin_shutdown ();
  }
  g_assert_cmpuint (swin_instance_creations () - before, ==, 64);
  ctx = swin_test_context ();
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  tmpdir = g_dir_make_tmp ("swin-net-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_data_func ("/net/batch-and-sizes/torchvision", GINT_TO_POINTER (SWIN_LAYOUT_TORCHVISION),
                        test_batch_and_sizes);
  g_test_add_data_func ("/net/batch-and-sizes/original", GINT_TO_POINTER (SWIN_LAYOUT_ORIGINAL),
                        test_batch_and_sizes);
  g_test_add_func ("/net/window12", test_window12);
  g_test_add_data_func ("/net/gpu-kernels/v1", GINT_TO_POINTER (1), test_gpu_kernels);
  g_test_add_data_func ("/net/gpu-kernels/v2", GINT_TO_POINTER (2), test_gpu_kernels);
  g_test_add_data_func ("/net/dispatch-count/gemm", "gemm", test_dispatch_count);
  g_test_add_data_func ("/net/dispatch-count/gemm_shuffle", "gemm_shuffle", test_dispatch_count);
  g_test_add_data_func ("/net/dispatch-count/gemm_tiled", "gemm_tiled", test_dispatch_count);
  g_test_add_data_func ("/net/dispatch-count/gemm_tiled-unfused", "gemm_tiled-unfused", test_dispatch_count);
  g_test_add_func ("/net/large-weights", test_large_weights);
  g_test_add_func ("/net/fp16", test_fp16);
  g_test_add_func ("/net/swin-t-batch64", test_swin_t_batch64);
  g_test_add_func ("/net/errors", test_errors);
  g_test_add_func ("/net/devices", test_devices);
  g_test_add_func ("/net/profile-without-profiling", test_profile_without_profiling);
  g_test_add_func ("/net/lost-device", test_lost_device);
  g_test_add_func ("/net/log-reports", test_log_reports);
  g_test_add_func ("/net/context-cycles", test_context_cycles);
  ret = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  swin_context_free (ctx);
  swin_shutdown ();   /* the validation layer checks the instance is left empty */
  return ret;
}

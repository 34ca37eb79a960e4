/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin bench: time the Vulkan forward and break it down per kernel. */
#include "swin_cli.h"
#include "swin/swin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
print_profile (SwinPlan *plan, int batch)
{
  GArray *stats = g_array_new (FALSE, FALSE, sizeof (SwinKernelStat));
  GError *error = NULL;
  double total = 0;

  if (!swin_plan_get_profile (plan, stats, &error)) {
    printf ("per-kernel breakdown unavailable: %s\n", error->message);
    g_error_free (error);
    g_array_free (stats, TRUE);
    return;
  }
  for (guint i = 0; i < stats->len; i++)
    total += g_array_index (stats, SwinKernelStat, i).ms;
  printf ("\n%-12s %6s %10s %7s %9s %9s\n", "kernel", "count", "ms", "share", "GFLOP", "GFLOP/s");
  for (guint i = 0; i < stats->len; i++) {
    SwinKernelStat *s = &g_array_index (stats, SwinKernelStat, i);
    printf ("%-12s %6d %10.3f %6.1f%% %9.3f", s->label, s->count, s->ms, 100.0 * s->ms / total, s->gflop);
    if (s->gflop > 0 && s->ms > 0)
      printf (" %9.2f\n", s->gflop / (s->ms * 1e-3));
    else
      printf (" %9s\n", "-");
  }
  printf ("%-12s %6s %10.3f (device time of the profiled run, batch %d)\n", "total", "", total, batch);
  g_array_free (stats, TRUE);
}

/* Top-1 agreement of precision fp16 (weights, and the arithmetic where the
 * device has it) with fp32 on @n random inputs (batch 1). */
static gboolean
measure_agreement (SwinContext *ctx, const SwinModel *model, int n, int h, int w, GError **error)
{
  const SwinArch *a = swin_model_get_arch (model);
  size_t n_in = (size_t) a->in_chans * h * w;
  SwinNet *nets[2] = { NULL, NULL };
  SwinPlan *plans[2] = { NULL, NULL };
  GRand *r = g_rand_new_with_seed (7);
  int agree = 0;
  double worst = 0;
  gboolean ok = FALSE;

  if (!(nets[0] = swin_net_new_full (ctx, model, SWIN_PRECISION_FP32, error)) ||
      !(nets[1] = swin_net_new_full (ctx, model, SWIN_PRECISION_FP16, error)) ||
      !(plans[0] = swin_plan_new (nets[0], 1, h, w, error)) ||
      !(plans[1] = swin_plan_new (nets[1], 1, h, w, error)))
    goto out;
  for (int i = 0; i < n; i++) {
    float *in0 = swin_plan_get_input (plans[0]), *in1 = swin_plan_get_input (plans[1]);
    const float *l0, *l1;
    int t0, t1;
    double range = 0, diff = 0;
    for (size_t j = 0; j < n_in; j++)
      in0[j] = in1[j] = (float) g_rand_double_range (r, -2.0, 2.0);
    if (!swin_plan_run (plans[0], error) || !swin_plan_run (plans[1], error))
      goto out;
    l0 = swin_plan_get_logits (plans[0]);
    l1 = swin_plan_get_logits (plans[1]);
    swin_topk (l0, a->num_classes, 1, &t0);
    swin_topk (l1, a->num_classes, 1, &t1);
    agree += t0 == t1;
    for (int c = 0; c < a->num_classes; c++) {
      range = MAX (range, fabs (l0[c]));
      diff = MAX (diff, fabs (l0[c] - l1[c]));
    }
    worst = MAX (worst, range > 0 ? diff / range : diff);
  }
  printf ("precision fp16 vs fp32 on %d random inputs: top-1 agreement %d/%d, "
          "max |delta logit| / max |logit| = %.2e\n", n, agree, n, worst);
  ok = TRUE;

out:
  g_rand_free (r);
  for (int i = 0; i < 2; i++) {
    swin_plan_free (plans[i]);
    swin_net_free (nets[i]);
  }
  return ok;
}

/* The most forwards of each kind asked for (each timed one's time is kept). */
#define MAX_RUNS 1000000

int
swin_cmd_bench (int argc, char **argv)
{
  static const char *const precisions[] = { "fp32", "fp16", NULL };
  g_autofree char *model_path = NULL, *device = NULL, *size = NULL, *precision = NULL;
  g_autofree char *batch_text = NULL, *iters_text = NULL, *warmup_text = NULL, *agreement_text = NULL;
  int batch = 1, iters = 20, warmup = 3, agreement = 0, prec_index = 0;
  SwinPrecision prec;
  gboolean json = FALSE, unfused = FALSE;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Checkpoint (.safetensors)", "MODEL" },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch_text, "Images per forward (default 1)", "N" },
    { "iters", 'n', 0, G_OPTION_ARG_STRING, &iters_text, "Timed forwards (default 20)", "K" },
    { "warmup", 0, 0, G_OPTION_ARG_STRING, &warmup_text, "Untimed forwards first (default 3)", "K" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, "Input size (default: the model's)", "HxW" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device: index or name substring", "D" },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &precision,
      "fp32 (default) or fp16 (weights; GEMM arithmetic on GPUs with fp16)", "P" },
    { "agreement", 0, 0, G_OPTION_ARG_STRING, &agreement_text,
      "Also compare precision fp16 with fp32 on N random inputs (top-1 agreement)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Also print one JSON line with the figures", NULL },
    { "unfused-attention", 0, 0, G_OPTION_ARG_NONE, &unfused,
      "Keep the LayerNorm, qkv and the window attention as separate dispatches where a GPU would fuse them",
      NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *octx = g_option_context_new ("- time the Vulkan forward of a checkpoint");
  GError *error = NULL;
  SwinModel *model = NULL;
  SwinContextParams ctx_params;
  SwinContext *ctx = NULL;
  SwinNet *net = NULL;
  SwinPlan *plan = NULL;
  double *times = NULL;
  int h = 0, w = 0, ret = SWIN_EXIT_FAILURE;
  float *input;
  size_t n_in;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!swin_cli_parse (octx, "bench", &argc, &argv)) {
    g_option_context_free (octx);
    return SWIN_EXIT_USAGE;
  }
  g_option_context_free (octx);
  if (argc > 1)
    return swin_cli_usage_error ("bench", "unexpected argument '%s'", argv[1]);
  if (!model_path)
    return swin_cli_usage_error ("bench", "--model is required");
  if (!swin_cli_parse_int ("--batch", batch_text, 1, G_MAXINT, &batch, &error) ||
      !swin_cli_parse_int ("--iters", iters_text, 1, MAX_RUNS, &iters, &error) ||
      !swin_cli_parse_int ("--warmup", warmup_text, 0, MAX_RUNS, &warmup, &error) ||
      !swin_cli_parse_int ("--agreement", agreement_text, 0, MAX_RUNS, &agreement, &error) ||
      !swin_cli_parse_size ("--size", size, "HxW", G_MAXINT, &h, &w, &error) ||
      !swin_cli_parse_choice ("--precision", precision, precisions, &prec_index, &error))
    return swin_cli_usage_fail ("bench", error);
  prec = prec_index == 1 ? SWIN_PRECISION_FP16 : SWIN_PRECISION_FP32;

  if (!(model = swin_model_load (model_path, &error)))
    return swin_cli_fail (error);
  if (size == NULL)
    h = w = swin_model_get_arch (model)->img_size;
  swin_context_params_init (&ctx_params);
  ctx_params.device = device;
  ctx_params.unfused_attention = unfused;
  if (!(ctx = swin_cli_context_new_full (&ctx_params, &error)) ||
      !(net = swin_net_new_full (ctx, model, prec, &error)) ||
      !(plan = swin_plan_new_full (net, batch, h, w, TRUE, &error)))
    goto out;

  n_in = (size_t) batch * swin_model_get_arch (model)->in_chans * h * w;
  input = swin_plan_get_input (plan);
  {
    GRand *r = g_rand_new_with_seed (1);
    for (size_t i = 0; i < n_in; i++)
      input[i] = (float) g_rand_double_range (r, -2.0, 2.0);
    g_rand_free (r);
  }
  for (int i = 0; i < warmup; i++)
    if (!swin_plan_run (plan, &error))
      goto out;
  times = g_new (double, iters);
  for (int i = 0; i < iters; i++) {
    gint64 t0 = g_get_monotonic_time ();
    if (!swin_plan_run (plan, &error))
      goto out;
    times[i] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  qsort (times, iters, sizeof (double), cmp_double);
  {
    double med = iters % 2 ? times[iters / 2] : 0.5 * (times[iters / 2 - 1] + times[iters / 2]);
    printf ("model %s, device %s (%s), batch %d, %dx%d, %s weights\n", swin_model_get_name (model),
            swin_context_get_device_name (ctx), swin_context_get_driver_info (ctx), batch, h, w,
            swin_precision_name (prec));
    printf ("forward: median %.2f ms, min %.2f ms, max %.2f ms over %d runs; %.2f images/s\n", med,
            times[0], times[iters - 1], iters, batch * 1000.0 / med);
    print_profile (plan, batch);
    if (json)
      printf ("{\"device\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
              "\"images_per_s\": %.3f, \"unfused_attention\": %s}\n", swin_context_get_device_name (ctx),
              swin_precision_name (prec), batch, med, times[0], times[iters - 1], batch * 1000.0 / med,
              unfused ? "true" : "false");
  }
  if (agreement > 0 && !measure_agreement (ctx, model, agreement, h, w, &error))
    goto out;
  ret = SWIN_EXIT_OK;

out:
  if (error)
    ret = swin_cli_fail (error);
  g_free (times);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_context_free (ctx);
  swin_model_free (model);
  return ret;
}

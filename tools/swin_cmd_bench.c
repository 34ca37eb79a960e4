/* swin bench: time the Vulkan forward and break it down per kernel. */
#include "swin_cli.h"
#include "swin/swin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* CPU time (user + system) of the whole process so far, in ms: on lavapipe
 * the forward runs on this process's threads, and on a shared machine its
 * CPU time varies far less with other processes' load than wall time. */
static double
process_cpu_ms (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The per-kernel breakdown, with the variant that ran each; @variants gets
 * the distinct variants, comma-separated. */
static void
print_profile (SwinPlan *plan, int batch, GString *variants)
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
  printf ("\n%-12s %-20s %6s %10s %7s %9s %9s\n", "kernel", "variant", "count", "ms", "share", "GFLOP", "GFLOP/s");
  for (guint i = 0; i < stats->len; i++) {
    SwinKernelStat *s = &g_array_index (stats, SwinKernelStat, i);
    g_autofree char *quoted = g_strdup_printf (",%s,", s->variant);
    g_autofree char *listed = g_strdup_printf (",%s,", variants->str);

    if (!strstr (listed, quoted))
      g_string_append_printf (variants, "%s%s", variants->len ? "," : "", s->variant);
    printf ("%-12s %-20s %6d %10.3f %6.1f%% %9.3f", s->label, s->variant, s->count, s->ms,
            100.0 * s->ms / total, s->gflop);
    if (s->gflop > 0 && s->ms > 0)
      printf (" %9.2f\n", s->gflop / (s->ms * 1e-3));
    else
      printf (" %9s\n", "-");
  }
  printf ("%-12s %-20s %6s %10.3f (device time of the profiled run, batch %d)\n", "total", "", "", total, batch);
  printf ("GEMM arithmetic: *_coopmat fp16 products on tensor cores, *_f16 fp16 FMAs, both with fp32 "
          "sums; the others fp32 (on fp16 weights with --precision fp16)\n");
  g_array_free (stats, TRUE);
}

/* Top-1 agreement of the fp16 and fp32 forwards on @n random inputs, @batch
 * at a time; the logit differences relative to each input's logit range
 * (max - min of the fp32 logits). */
static gboolean
measure_agreement (SwinContext *ctx, const SwinModel *model, int n, int batch, int h, int w, guint32 seed,
                   GError **error)
{
  const SwinArch *a = swin_model_get_arch (model);
  size_t n_in = (size_t) a->in_chans * h * w;
  SwinNet *nets[2] = { NULL, NULL };
  SwinPlan *plans[2] = { NULL, NULL };
  GRand *r = g_rand_new_with_seed (seed);
  GHashTable *classes = g_hash_table_new (NULL, NULL);
  int agree = 0, done = 0;
  double worst = 0, sum_rel = 0, min_gap = G_MAXDOUBLE;
  gboolean ok = FALSE;

  if (!(nets[0] = swin_net_new_full (ctx, model, SWIN_PRECISION_FP32, error)) ||
      !(nets[1] = swin_net_new_full (ctx, model, SWIN_PRECISION_FP16, error)) ||
      !(plans[0] = swin_plan_new (nets[0], batch, h, w, error)) ||
      !(plans[1] = swin_plan_new (nets[1], batch, h, w, error)))
    goto out;
  while (done < n) {
    float *in0 = swin_plan_get_input (plans[0]), *in1 = swin_plan_get_input (plans[1]);
    int now = MIN (batch, n - done);

    for (size_t j = 0; j < (size_t) batch * n_in; j++)
      in0[j] = in1[j] = (float) g_rand_double_range (r, -2.0, 2.0);
    if (!swin_plan_run (plans[0], error) || !swin_plan_run (plans[1], error))
      goto out;
    for (int b = 0; b < now; b++) {
      const float *l0 = swin_plan_get_logits (plans[0]) + (size_t) b * a->num_classes;
      const float *l1 = swin_plan_get_logits (plans[1]) + (size_t) b * a->num_classes;
      float lo = l0[0], hi = l0[0];
      double diff = 0;
      int t0[2], t1;

      swin_topk (l0, a->num_classes, 2, t0);
      swin_topk (l1, a->num_classes, 1, &t1);
      agree += t0[0] == t1;
      g_hash_table_add (classes, GINT_TO_POINTER (t0[0] + 1));
      if (a->num_classes > 1)
        min_gap = MIN (min_gap, l0[t0[0]] - l0[t0[1]]);
      for (int c = 0; c < a->num_classes; c++) {
        lo = MIN (lo, l0[c]);
        hi = MAX (hi, l0[c]);
        diff = MAX (diff, fabs (l0[c] - l1[c]));
      }
      worst = MAX (worst, hi > lo ? diff / (hi - lo) : diff);
      sum_rel += hi > lo ? diff / (hi - lo) : diff;
    }
    done += now;
  }
  printf ("fp16 vs fp32 on %d random inputs: top-1 agreement %d/%d (%.2f%%; %u distinct fp32 top-1 "
          "classes, smallest fp32 top-1 margin %.3g); max |delta logit| / logit range = %.2e (mean %.2e)\n",
          n, agree, n, 100.0 * agree / n, g_hash_table_size (classes), min_gap, worst, sum_rel / n);
  ok = TRUE;

out:
  g_rand_free (r);
  g_hash_table_destroy (classes);
  for (int i = 0; i < 2; i++) {
    swin_plan_free (plans[i]);
    swin_net_free (nets[i]);
  }
  return ok;
}

int
swin_cmd_bench (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *device = NULL, *size = NULL, *precision = NULL;
  int batch = 1, iters = 20, warmup = 3, agreement = 0, seed = 7;
  SwinPrecision prec = SWIN_PRECISION_FP32;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Checkpoint (.safetensors)", "MODEL" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Images per forward (default 1)", "N" },
    { "iters", 'n', 0, G_OPTION_ARG_INT, &iters, "Timed forwards (default 20)", "K" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed forwards first (default 3)", "K" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, "Input size (default: the model's)", "HxW" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device: index or name substring", "D" },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &precision,
      "fp32 (default) or fp16: fp16 weights, fp16 arithmetic with fp32 accumulation wherever the device "
      "allows it", "P" },
    { "agreement", 0, 0, G_OPTION_ARG_INT, &agreement,
      "Also compare fp16 with fp32 on N random inputs, --batch at a time (top-1 agreement)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the --agreement inputs (default 7)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Also print one JSON line with the figures", NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *octx = g_option_context_new ("- time the Vulkan forward of a checkpoint");
  GError *error = NULL;
  SwinModel *model = NULL;
  SwinContext *ctx = NULL;
  SwinNet *net = NULL;
  SwinPlan *plan = NULL;
  double *times = NULL, cpu_ms;
  g_autoptr (GString) variants = g_string_new (NULL);
  int h, w, ret = SWIN_EXIT_FAILURE;
  float *input;
  size_t n_in;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!swin_cli_parse (octx, "bench", &argc, &argv)) {
    g_option_context_free (octx);
    return SWIN_EXIT_USAGE;
  }
  g_option_context_free (octx);
  if (!model_path)
    return swin_cli_usage_error ("bench", "--model is required");
  if (batch < 1 || iters < 1 || warmup < 0)
    return swin_cli_usage_error ("bench", "--batch and --iters must be at least 1");
  if (precision && strcmp (precision, "fp16") == 0)
    prec = SWIN_PRECISION_FP16;
  else if (precision && strcmp (precision, "fp32") != 0)
    return swin_cli_usage_error ("bench", "unknown --precision '%s' (fp32 or fp16)", precision);

  if (!(model = swin_model_load (model_path, &error)))
    return swin_cli_fail (error);
  h = w = swin_model_get_arch (model)->img_size;
  if (size && sscanf (size, "%dx%d", &h, &w) != 2) {
    swin_model_free (model);
    return swin_cli_usage_error ("bench", "--size must be HxW, e.g. 224x224");
  }
  if (!(ctx = swin_context_new (device, &error)) || !(net = swin_net_new_full (ctx, model, prec, &error)) ||
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
  cpu_ms = process_cpu_ms ();
  for (int i = 0; i < iters; i++) {
    gint64 t0 = g_get_monotonic_time ();
    if (!swin_plan_run (plan, &error))
      goto out;
    times[i] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  cpu_ms = (process_cpu_ms () - cpu_ms) / iters;
  qsort (times, iters, sizeof (double), cmp_double);
  {
    double med = iters % 2 ? times[iters / 2] : 0.5 * (times[iters / 2 - 1] + times[iters / 2]);
    printf ("model %s, device %s (%s), batch %d, %dx%d, precision %s\n", swin_model_get_name (model),
            swin_context_get_device_name (ctx), swin_context_get_driver_info (ctx), batch, h, w,
            swin_precision_name (prec));
    printf ("forward: median %.2f ms, min %.2f ms, max %.2f ms over %d runs; %.2f images/s; "
            "%.1f ms of process CPU time per forward\n", med, times[0], times[iters - 1], iters,
            batch * 1000.0 / med, cpu_ms);
    print_profile (plan, batch, variants);
    if (json)
      printf ("{\"device\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
              "\"images_per_s\": %.3f, \"cpu_ms\": %.3f, \"variants\": \"%s\"}\n", swin_context_get_device_name (ctx), swin_precision_name (prec), batch, med, times[0],
              times[iters - 1], batch * 1000.0 / med, cpu_ms, variants->str);
  }
  if (agreement > 0 && !measure_agreement (ctx, model, agreement, batch, h, w, (guint32) seed, &error))
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

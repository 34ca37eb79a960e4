/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin bench-regions: classifying N regions of a frame, batched into as few
 * forwards as the batch size allows, against one forward per region (what
 * swinclassify inference-region=roi-list does with batch-size N and 1). */
#include "swin_cli.h"
#include "swin/swin.h"

#include <stdio.h>
#include <stdlib.h>

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Median milliseconds per frame of @frames runs of @n regions through a
 * runner of batch @batch; -1 with @error on failure. */
static double
time_frames (SwinNet *net, int batch, const SwinFrame *frame, const SwinRect *rects, int n,
             int frames, GError **error)
{
  SwinRunnerParams rp = { .max_batch = batch };
  SwinRunner *runner = swin_runner_new (net, &rp, error);
  SwinPreprocessParams params;
  SwinRunnerRequest req = { .frame = frame, .rects = rects, .n_rects = n, .params = &params };
  float *logits = g_new (float, (size_t) n * swin_net_get_arch (net)->num_classes);
  double *ms = g_new (double, frames), med = -1;

  swin_preprocess_params_init (&params);
  /* one untimed frame: the plans of every batch size used are made */
  if (runner && swin_runner_run (runner, &req, logits, NULL, error)) {
    int i;
    for (i = 0; i < frames; i++) {
      gint64 t0 = g_get_monotonic_time ();
      if (!swin_runner_run (runner, &req, logits, NULL, error))
        break;
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    }
    if (i == frames) {
      qsort (ms, frames, sizeof (double), cmp_double);
      med = frames % 2 ? ms[frames / 2] : 0.5 * (ms[frames / 2 - 1] + ms[frames / 2]);
    }
  }
  swin_runner_free (runner);
  g_free (logits);
  g_free (ms);
  return med;
}

/* Bounds of --regions (one runner of that batch size) and --frames (the
 * time of each is kept). */
#define MAX_REGIONS SWIN_RUNNER_MAX_BATCH
#define MAX_FRAMES 1000000

int
swin_cmd_regions (int argc, char **argv)
{
  char *model_path = NULL, *device = NULL, *counts = NULL, *frames_text = NULL;
  int frames = 5, n_counts = 0;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Checkpoint (.safetensors)", "MODEL" },
    { "regions", 'r', 0, G_OPTION_ARG_STRING, &counts, "Regions per frame, comma-separated (default 1,4,16)",
      "N,..." },
    { "frames", 'n', 0, G_OPTION_ARG_STRING, &frames_text, "Timed frames per configuration (default 5)",
      "K" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device: index or name substring", "D" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *octx = g_option_context_new ("- time regions of a frame, batched and one by one");
  GError *error = NULL;
  SwinModel *model = NULL;
  SwinContext *ctx = NULL;
  SwinNet *net = NULL;
  int *regions = NULL;
  guint8 *pixels = NULL;
  int ret = SWIN_EXIT_FAILURE;
  const int width = 640, height = 480;
  SwinFrame frame = { .format = SWIN_PIXEL_FORMAT_I420, .width = width, .height = height };

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!swin_cli_parse (octx, "bench-regions", &argc, &argv))
    ret = SWIN_EXIT_USAGE;
  else if (argc > 1)
    ret = swin_cli_usage_error ("bench-regions", "unexpected argument '%s'", argv[1]);
  else if (!model_path)
    ret = swin_cli_usage_error ("bench-regions", "--model is required");
  else if (!swin_cli_parse_int ("--frames", frames_text, 1, MAX_FRAMES, &frames, &error) ||
           !swin_cli_parse_ints ("--regions", counts ? counts : "1,4,16", 1, MAX_REGIONS, &regions,
                                 &n_counts, &error))
    ret = swin_cli_usage_fail ("bench-regions", g_steal_pointer (&error));
  if (ret == SWIN_EXIT_USAGE)
    goto out;

  /* A frame of noise: the content does not change the work. */
  pixels = g_malloc ((size_t) width * height * 3 / 2);
  for (size_t i = 0; i < (size_t) width * height * 3 / 2; i++)
    pixels[i] = (guint8) (i * 2654435761u >> 24);
  frame.data[0] = pixels;
  frame.data[1] = pixels + width * height;
  frame.data[2] = pixels + width * height * 5 / 4;
  frame.stride[0] = width;
  frame.stride[1] = frame.stride[2] = width / 2;

  if (!(model = swin_model_load (model_path, &error)) || !(ctx = swin_cli_context_new (device, &error)) ||
      !(net = swin_net_new (ctx, model, &error)))
    goto out;
  printf ("model %s, device %s (%s), %dx%d I420 frames, median of %d frames\n",
          swin_model_get_name (model), swin_context_get_device_name (ctx),
          swin_context_get_driver_info (ctx), width, height, frames);
  printf ("%8s %14s %14s %9s %12s %12s\n", "regions", "batched ms", "one-by-one ms", "speed-up",
          "batched i/s", "1-by-1 i/s");
  for (int i = 0; i < n_counts; i++) {
    int n = regions[i];
    SwinRect *rects = g_new (SwinRect, n);
    double batched, single;

    /* regions of varied sizes and places, as a detector would report */
    for (int k = 0; k < n; k++) {
      int w = 48 + (k * 37) % 160, h = 48 + (k * 53) % 140;
      rects[k] = (SwinRect) { (k * 97) % (width - w), (k * 61) % (height - h), w, h };
    }
    batched = time_frames (net, n, &frame, rects, n, frames, &error);
    single = batched < 0 ? -1 : time_frames (net, 1, &frame, rects, n, frames, &error);
    g_free (rects);
    if (single < 0)
      goto out;
    printf ("%8d %14.1f %14.1f %8.2fx %12.2f %12.2f\n", n, batched, single, single / batched,
            n * 1000.0 / batched, n * 1000.0 / single);
  }
  ret = SWIN_EXIT_OK;

out:
  if (error)
    ret = swin_cli_fail (error);
  g_option_context_free (octx);
  g_free (model_path);
  g_free (device);
  g_free (counts);
  g_free (frames_text);
  g_free (regions);
  g_free (pixels);
  swin_net_free (net);
  swin_context_free (ctx);
  swin_model_free (model);
  return ret;
}

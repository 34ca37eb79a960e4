/* swin run: classify a batch of preprocessed float32 NCHW images. */
#include "swin_cli.h"

#include <stdlib.h>
#include <string.h>
#include <swin/swin.h>

#define TOP_K 5

typedef struct {
  char *model, *input, *output, *size, *backend, *device, *precision;
  int batch;
} RunOptions;

/* "HxW" (or "N" for a square) into positive height and width. */
static gboolean
parse_size (const char *text, int *height, int *width)
{
  char **parts = g_strsplit (text, "x", 3);
  guint n = g_strv_length (parts);
  guint64 h = 0, w = 0;
  gboolean ok = (n == 1 || n == 2) &&
                g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT, &h, NULL) &&
                g_ascii_string_to_unsigned (parts[n - 1], 10, 1, G_MAXINT, &w, NULL);

  g_strfreev (parts);
  *height = (int) h;
  *width = (int) w;
  return ok;
}

/* The input file as host floats; its size must be exactly @count floats. */
static float *
read_input (const char *path, guint64 count, const char *shape, GError **error)
{
  GMappedFile *file;
  GError *io_error = NULL;
  const guint8 *bytes;
  float *values;

  file = g_mapped_file_new (path, FALSE, &io_error);
  if (file == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "%s", io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  if (g_mapped_file_get_length (file) != count * 4) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "%s has %" G_GSIZE_FORMAT " bytes; expected %" G_GUINT64_FORMAT " (float32 %s)", path,
                 g_mapped_file_get_length (file), count * 4, shape);
    g_mapped_file_unref (file);
    return NULL;
  }
  values = g_try_new (float, count);
  if (values == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory reading %s", path);
    g_mapped_file_unref (file);
    return NULL;
  }
  /* Little-endian on disk whatever the host; memcpy: no alignment assumed. */
  bytes = (const guint8 *) g_mapped_file_get_contents (file);
  for (guint64 i = 0; i < count; i++) {
    guint32 u;
    memcpy (&u, bytes + 4 * i, 4);
    u = GUINT32_FROM_LE (u);
    memcpy (&values[i], &u, 4);
  }
  g_mapped_file_unref (file);
  return values;
}

static gboolean
write_logits (const char *path, const float *logits, gsize count, GError **error)
{
  guint32 *le = g_new (guint32, MAX (count, 1));
  GError *io_error = NULL;
  gboolean ok;

  for (gsize i = 0; i < count; i++) {
    memcpy (&le[i], &logits[i], 4);
    le[i] = GUINT32_TO_LE (le[i]);
  }
  ok = g_file_set_contents (path, (const char *) le, (gssize) (count * 4), &io_error);
  if (!ok) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "%s", io_error->message);
    g_error_free (io_error);
  }
  g_free (le);
  return ok;
}

/* The Vulkan forward; takes ownership of @model (freed once uploaded). */
static gboolean
forward_vulkan (SwinModel *model, const char *device, SwinPrecision precision, const float *input,
                int batch, int height, int width, float *logits, GError **error)
{
  const SwinArch *arch = swin_model_get_arch (model);
  gsize in_count = (gsize) batch * arch->in_chans * height * width;
  gsize out_count = (gsize) batch * arch->num_classes;
  SwinContext *ctx;
  SwinNet *net = NULL;
  SwinPlan *plan = NULL;
  gboolean ok = FALSE;

  ctx = swin_context_new (device, error);
  if (ctx == NULL) {
    swin_model_free (model);
    return FALSE;
  }
  g_printerr ("device: %s\n", swin_context_get_device_name (ctx));
  net = swin_net_new_full (ctx, model, precision, error);
  /* The weights live on the device now: release the host copy early. */
  swin_model_free (model);
  if (net == NULL)
    goto out;
  plan = swin_plan_new (net, batch, height, width, error);
  if (plan == NULL)
    goto out;
  memcpy (swin_plan_get_input (plan), input, in_count * sizeof (float));
  if (!swin_plan_run (plan, error))
    goto out;
  memcpy (logits, swin_plan_get_logits (plan), out_count * sizeof (float));
  ok = TRUE;

out:
  swin_plan_free (plan);
  swin_net_free (net);
  swin_context_free (ctx);
  return ok;
}

static void
print_top (const float *logits, int batch, int classes)
{
  int k = MIN (TOP_K, classes);
  int indices[TOP_K];

  for (int n = 0; n < batch; n++) {
    const float *row = logits + (gsize) n * classes;

    swin_topk (row, classes, k, indices);
    g_print ("image %d:", n);
    for (int i = 0; i < k; i++)
      g_print ("  %d (%.4f)", indices[i], row[indices[i]]);
    g_print ("\n");
  }
}

static int
run (const RunOptions *opt, int height, int width)
{
  GError *error = NULL;
  SwinModel *model;
  const SwinArch *arch;
  float *input = NULL, *logits = NULL;
  char *shape;
  int classes;
  guint64 count;

  model = swin_model_load (opt->model, &error);
  if (model == NULL)
    return swin_cli_fail (error);
  arch = swin_model_get_arch (model);
  classes = arch->num_classes;
  if (height == 0)
    height = width = arch->img_size;
  if (!swin_arch_check_size (arch, height, width, &error))
    goto fail;

  shape = g_strdup_printf ("[%d, %d, %d, %d]", opt->batch, arch->in_chans, height, width);
  count = (guint64) opt->batch * arch->in_chans * height * width;
  input = read_input (opt->input, count, shape, &error);
  g_free (shape);
  if (input == NULL)
    goto fail;
  logits = g_try_new (float, (gsize) opt->batch * classes);
  if (logits == NULL) {
    g_set_error (&error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for the logits");
    goto fail;
  }

  if (strcmp (opt->backend, "cpu") == 0) {
    gboolean ok = swin_cpu_forward (model, input, opt->batch, height, width, logits, &error);
    swin_model_free (model);
    model = NULL;
    if (!ok)
      goto fail;
  } else {
    SwinModel *owned = model;
    model = NULL;
    SwinPrecision precision = g_strcmp0 (opt->precision, "fp16") == 0 ? SWIN_PRECISION_FP16 : SWIN_PRECISION_FP32;
    if (!forward_vulkan (owned, opt->device, precision, input, opt->batch, height, width, logits, &error))
      goto fail;
  }

  print_top (logits, opt->batch, classes);
  if (opt->output != NULL && !write_logits (opt->output, logits, (gsize) opt->batch * classes, &error))
    goto fail;
  g_free (input);
  g_free (logits);
  return SWIN_EXIT_OK;

fail:
  swin_model_free (model);
  g_free (input);
  g_free (logits);
  return swin_cli_fail (error);
}

int
swin_cmd_run (int argc, char **argv)
{
  RunOptions opt = { .batch = 1 };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model, "Checkpoint (safetensors; required)", "MODEL" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opt.input,
      "Preprocessed images: float32 little-endian NCHW (required)", "X.f32" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &opt.batch, "Number of images in the input (default 1)", "N" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &opt.size,
      "Image height x width (default: the model's resolution)", "HxW" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output, "Write the logits, float32 [N, classes]",
      "LOGITS.f32" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &opt.backend, "vulkan (default) or cpu (reference)", "NAME" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &opt.device,
      "Vulkan device: index or name substring (default: first discrete GPU)", "D" },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt.precision,
      "Weight storage on the device: fp32 (default) or fp16", "P" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (NULL);
  int height = 0, width = 0;
  int ret = SWIN_EXIT_USAGE;

  g_option_context_set_summary (context, "Classify a batch of images and print the top-5 classes of each.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!swin_cli_parse (context, "run", &argc, &argv))
    goto out;

  if (argc > 1)
    swin_cli_usage_error ("run", "unexpected argument '%s'", argv[1]);
  else if (opt.model == NULL || opt.input == NULL)
    swin_cli_usage_error ("run", "--model and --input are required");
  else if (opt.batch < 1)
    swin_cli_usage_error ("run", "invalid --batch %d: at least 1", opt.batch);
  else if (opt.size != NULL && !parse_size (opt.size, &height, &width))
    swin_cli_usage_error ("run", "invalid --size '%s': expected HxW, e.g. 224x224", opt.size);
  else if (opt.backend != NULL && strcmp (opt.backend, "vulkan") != 0 && strcmp (opt.backend, "cpu") != 0)
    swin_cli_usage_error ("run", "unknown --backend '%s': vulkan or cpu", opt.backend);
  else if (opt.precision != NULL && strcmp (opt.precision, "fp32") != 0 && strcmp (opt.precision, "fp16") != 0)
    swin_cli_usage_error ("run", "unknown --precision '%s': fp32 or fp16", opt.precision);
  else {
    if (opt.backend == NULL)
      opt.backend = g_strdup ("vulkan");
    ret = run (&opt, height, width);
  }

out:
  g_option_context_free (context);
  g_free (opt.model);
  g_free (opt.input);
  g_free (opt.output);
  g_free (opt.size);
  g_free (opt.backend);
  g_free (opt.device);
  g_free (opt.precision);
  return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin run: classify a batch of images, given as preprocessed float32 NCHW
 * or as raw 8-bit RGB that the CPU backend preprocesses. */
#include "swin_cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <swin/swin.h>
#include <swin/swin_preprocess.h>

#define TOP_K 5

typedef struct {
  char *model, *input, *output, *features, *size, *backend, *device, *precision;
  char *input_format, *input_size, *scale_mode, *mean, *std, *batch;
} RunOptions;

/* What the options say, once parsed. */
typedef struct {
  int batch;
  int height, width;           /* 0: the model's resolution */
  gboolean vulkan;             /* else the CPU backend */
  SwinPrecision precision;
  gboolean rgb24;              /* else float32 NCHW */
  int in_width, in_height;     /* rgb24: each image's size */
  SwinScaleMode scale_mode;
  gboolean have_mean, have_std;
  float mean[3], std[3];
} RunSpec;

/* The float32 little-endian file @path of exactly @count floats. */
static float *
read_f32 (const char *path, guint64 count, const char *shape, GError **error)
{
  char *bytes;
  gsize len;
  float *values;

  if (!swin_file_get_contents (path, count * 4, &bytes, &len, error))
    return NULL;
  if (len != count * 4) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "%s has %" G_GSIZE_FORMAT " bytes; expected %" G_GUINT64_FORMAT " (float32 %s)",
                 path, len, count * 4, shape);
    g_free (bytes);
    return NULL;
  }
  values = g_try_new (float, MAX (count, 1));
  if (values == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory reading %s", path);
    g_free (bytes);
    return NULL;
  }
  /* Little-endian on disk whatever the host; memcpy: no alignment assumed. */
  for (guint64 i = 0; i < count; i++) {
    guint32 u;
    memcpy (&u, bytes + 4 * i, 4);
    u = GUINT32_FROM_LE (u);
    memcpy (&values[i], &u, 4);
  }
  g_free (bytes);
  return values;
}

/* The rgb24 file @path (@batch images of packed R, G, B bytes) preprocessed
 * into float32 NCHW [batch, 3, height, width] by the CPU backend,
 * normalised with @model's mean/std (else ImageNet's) unless the options
 * give them. */
static float *
read_rgb24 (const char *path, const SwinModel *model, const RunSpec *in, int batch, int height,
            int width, GError **error)
{
  gsize image_bytes = (gsize) in->in_width * in->in_height * 3;
  gsize plane = (gsize) 3 * height * width;
  SwinPreprocessParams params;
  char *bytes;
  gsize len;
  float *values;

  swin_preprocess_params_init (&params);
  swin_model_get_normalization (model, params.mean, params.std);
  if (in->have_mean)
    memcpy (params.mean, in->mean, sizeof (params.mean));
  if (in->have_std)
    memcpy (params.std, in->std, sizeof (params.std));
  params.scale_mode = in->scale_mode;
  if (!swin_check_normalization (params.mean, params.std, error)) {
    g_prefix_error (error, "invalid --mean/--std: ");
    return NULL;
  }

  if (!swin_file_get_contents (path, image_bytes * batch, &bytes, &len, error))
    return NULL;
  if (len != image_bytes * batch) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "%s has %" G_GSIZE_FORMAT " bytes; expected %" G_GSIZE_FORMAT
                 " (%d rgb24 image%s of %dx%d)", path, len, image_bytes * batch, batch,
                 batch > 1 ? "s" : "", in->in_width, in->in_height);
    g_free (bytes);
    return NULL;
  }
  values = g_try_new (float, plane * batch);
  if (values == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for the input");
    g_free (bytes);
    return NULL;
  }
  for (int n = 0; n < batch; n++) {
    SwinFrame frame = {
      .format = SWIN_PIXEL_FORMAT_RGB, .width = in->in_width, .height = in->in_height,
      .data = { (const uint8_t *) bytes + image_bytes * n }, .stride = { (size_t) in->in_width * 3 },
    };

    if (!swin_cpu_preprocess (&frame, &params, height, width, values + plane * n, error)) {
      g_free (values);
      g_free (bytes);
      return NULL;
    }
  }
  g_free (bytes);
  return values;
}

/* Refuses, before the forward, an --output that cannot be written. */
static gboolean
check_output (const char *path, GError **error)
{
  char *dir = g_path_get_dirname (path);
  gboolean ok = FALSE;

  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: not a regular file", path);
  else if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: no directory %s", path, dir);
  else if (access (dir, W_OK) != 0)
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: directory %s is not writable",
                 path, dir);
  else
    ok = TRUE;
  g_free (dir);
  return ok;
}

/* Writes @count floats to @path, little-endian. */
static gboolean
write_f32 (const char *path, const float *values, gsize count, GError **error)
{
  guint32 *le = g_new (guint32, MAX (count, 1));
  GError *io_error = NULL;
  gboolean ok;

  for (gsize i = 0; i < count; i++) {
    memcpy (&le[i], &values[i], 4);
    le[i] = GUINT32_TO_LE (le[i]);
  }
  /* Written to a temporary file that replaces @path: a failure leaves no
   * half-written file.  The message names the user's path first. */
  ok = g_file_set_contents (path, (const char *) le, (gssize) (count * 4), &io_error);
  if (!ok) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: %s", path, io_error->message);
    g_error_free (io_error);
  }
  g_free (le);
  return ok;
}

/* The Vulkan forward; takes ownership of @model (freed once uploaded).
 * @features: NULL, or where the pooled features go. */
static gboolean
forward_vulkan (SwinModel *model, const char *device, SwinPrecision precision, const float *input,
                int batch, int height, int width, float *logits, float *features, GError **error)
{
  const SwinArch *arch = swin_model_get_arch (model);
  gsize in_count = (gsize) batch * arch->in_chans * height * width;
  gsize out_count = (gsize) batch * arch->num_classes;
  gsize feature_count = (gsize) batch * SWIN_ARCH_NUM_FEATURES (arch);
  SwinContext *ctx;
  SwinNet *net = NULL;
  SwinPlan *plan = NULL;
  gboolean ok = FALSE;

  ctx = swin_cli_context_new (device, error);
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
  if (features)
    memcpy (features, swin_plan_get_features (plan), feature_count * sizeof (float));
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
run (const RunOptions *opt, const RunSpec *spec)
{
  GError *error = NULL;
  SwinModel *model;
  const SwinArch *arch;
  float *input = NULL, *logits = NULL, *features = NULL;
  gsize n_features = 0;
  int classes, batch = spec->batch, height = spec->height, width = spec->width;

  if ((opt->output != NULL && !check_output (opt->output, &error)) ||
      (opt->features != NULL && !check_output (opt->features, &error)))
    return swin_cli_fail (error);
  model = swin_model_load (opt->model, &error);
  if (model == NULL)
    return swin_cli_fail (error);
  arch = swin_model_get_arch (model);
  classes = arch->num_classes;
  if (opt->features != NULL)
    n_features = (gsize) batch * SWIN_ARCH_NUM_FEATURES (arch);
  if (height == 0)
    height = width = arch->img_size;
  if (!swin_arch_check_size (arch, height, width, &error))
    goto fail;

  if (spec->rgb24) {
    input = read_rgb24 (opt->input, model, spec, batch, height, width, &error);
  } else {
    char *shape = g_strdup_printf ("[%d, %d, %d, %d]", batch, arch->in_chans, height, width);

    input = read_f32 (opt->input, (guint64) batch * arch->in_chans * height * width, shape,
                      &error);
    g_free (shape);
  }
  if (input == NULL)
    goto fail;
  logits = g_try_new (float, (gsize) batch * classes);
  if (n_features > 0)
    features = g_try_new (float, n_features);
  if (logits == NULL || (n_features > 0 && features == NULL)) {
    g_set_error (&error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for the results");
    goto fail;
  }

  if (!spec->vulkan) {
    gboolean ok = swin_cpu_forward_full (model, input, batch, height, width, logits, features,
                                         &error);
    swin_model_free (model);
    model = NULL;
    if (!ok)
      goto fail;
  } else {
    SwinModel *owned = model;

    model = NULL;
    if (!forward_vulkan (owned, opt->device, spec->precision, input, batch, height, width, logits,
                         features, &error))
      goto fail;
  }

  print_top (logits, batch, classes);
  if ((opt->output != NULL && !write_f32 (opt->output, logits, (gsize) batch * classes, &error)) ||
      (opt->features != NULL && !write_f32 (opt->features, features, n_features, &error)))
    goto fail;
  g_free (input);
  g_free (logits);
  g_free (features);
  return SWIN_EXIT_OK;

fail:
  swin_model_free (model);
  g_free (input);
  g_free (logits);
  g_free (features);
  return swin_cli_fail (error);
}

/* Parses the options into @spec; FALSE after a usage error. */
static gboolean
parse_spec (const RunOptions *opt, RunSpec *spec)
{
  static const char *const formats[] = { "f32", "rgb24", NULL };
  static const char *const modes[] = { "center-crop", "stretch", "letterbox", NULL };
  static const SwinScaleMode mode_values[] = {
    SWIN_SCALE_CENTER_CROP, SWIN_SCALE_STRETCH, SWIN_SCALE_LETTERBOX,
  };
  static const char *const backends[] = { "vulkan", "cpu", NULL };
  static const char *const precisions[] = { "fp32", "fp16", NULL };
  int format = 0, mode = 0, backend = 0, precision = 0;
  GError *error = NULL;

  memset (spec, 0, sizeof (*spec));
  spec->batch = 1;
  if (!swin_cli_parse_int ("--batch", opt->batch, 1, G_MAXINT, &spec->batch, &error) ||
      !swin_cli_parse_size ("--size", opt->size, "HxW", G_MAXINT, &spec->height, &spec->width, &error) ||
      !swin_cli_parse_choice ("--backend", opt->backend, backends, &backend, &error) ||
      !swin_cli_parse_choice ("--precision", opt->precision, precisions, &precision, &error) ||
      !swin_cli_parse_choice ("--input-format", opt->input_format, formats, &format, &error) ||
      !swin_cli_parse_size ("--input-size", opt->input_size, "WxH", SWIN_MAX_FRAME_SIZE,
                            &spec->in_width, &spec->in_height, &error) ||
      !swin_cli_parse_choice ("--scale-mode", opt->scale_mode, modes, &mode, &error) ||
      !swin_cli_parse_floats ("--mean", opt->mean, spec->mean, 3, &error) ||
      !swin_cli_parse_floats ("--std", opt->std, spec->std, 3, &error)) {
    swin_cli_usage_fail ("run", error);
    return FALSE;
  }
  spec->vulkan = backend == 0;
  spec->precision = precision == 1 ? SWIN_PRECISION_FP16 : SWIN_PRECISION_FP32;
  spec->rgb24 = format == 1;
  spec->scale_mode = mode_values[mode];
  spec->have_mean = opt->mean != NULL;
  spec->have_std = opt->std != NULL;

  if (!spec->rgb24 && (opt->input_size || opt->scale_mode || opt->mean || opt->std))
    swin_cli_usage_error ("run", "--input-size, --scale-mode, --mean and --std apply to "
                          "--input-format rgb24 only (f32 input is already preprocessed)");
  else if (spec->rgb24 && opt->input_size == NULL)
    swin_cli_usage_error ("run", "--input-format rgb24 needs --input-size WxH");
  else
    return TRUE;
  return FALSE;
}

int
swin_cmd_run (int argc, char **argv)
{
  RunOptions opt = { 0 };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model, "Checkpoint (safetensors; required)", "MODEL" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opt.input,
      "The images, in --input-format (required)", "FILE" },
    { "input-format", 'f', 0, G_OPTION_ARG_STRING, &opt.input_format,
      "f32: preprocessed float32 little-endian NCHW (default); rgb24: packed 8-bit R, G, B, "
      "preprocessed here", "FORMAT" },
    { "input-size", 0, 0, G_OPTION_ARG_STRING, &opt.input_size,
      "Width x height of each rgb24 image (required with rgb24)", "WxH" },
    { "scale-mode", 0, 0, G_OPTION_ARG_STRING, &opt.scale_mode,
      "rgb24: center-crop (default), stretch or letterbox", "MODE" },
    { "mean", 0, 0, G_OPTION_ARG_STRING, &opt.mean,
      "rgb24: per-channel mean (default: the checkpoint's, else ImageNet's)", "R,G,B" },
    { "std", 0, 0, G_OPTION_ARG_STRING, &opt.std,
      "rgb24: per-channel std (default: the checkpoint's, else ImageNet's)", "R,G,B" },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &opt.batch, "Number of images in the input (default 1)", "N" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &opt.size,
      "Model input height x width (default: the model's resolution)", "HxW" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output, "Write the logits, float32 [N, classes]",
      "LOGITS.f32" },
    { "features", 0, 0, G_OPTION_ARG_FILENAME, &opt.features,
      "Write the pooled features (the head's input), float32 little-endian [N, num_features]",
      "OUT.f32" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &opt.backend, "vulkan (default) or cpu", "NAME" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &opt.device,
      "Vulkan device: index or name substring (default: first discrete GPU)", "D" },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt.precision,
      "Weight storage on the device: fp32 (default) or fp16", "P" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (NULL);
  RunSpec spec;
  int ret = SWIN_EXIT_USAGE;

  g_option_context_set_summary (context, "Classify a batch of images and print the top-5 classes of each.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!swin_cli_parse (context, "run", &argc, &argv))
    goto out;

  if (argc > 1)
    swin_cli_usage_error ("run", "unexpected argument '%s'", argv[1]);
  else if (opt.model == NULL || opt.input == NULL)
    swin_cli_usage_error ("run", "--model and --input are required");
  else if (parse_spec (&opt, &spec))
    ret = run (&opt, &spec);

out:
  g_option_context_free (context);
  g_free (opt.model);
  g_free (opt.input);
  g_free (opt.output);
  g_free (opt.features);
  g_free (opt.size);
  g_free (opt.backend);
  g_free (opt.device);
  g_free (opt.precision);
  g_free (opt.input_format);
  g_free (opt.input_size);
  g_free (opt.scale_mode);
  g_free (opt.mean);
  g_free (opt.std);
  g_free (opt.batch);
  return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin init: write a randomly initialised checkpoint. */
#include "swin_cli.h"

#include <string.h>
#include <swin/swin.h>

int
swin_cmd_init (int argc, char **argv)
{
  char *arch = NULL, *layout = NULL, *seed = NULL, *mean = NULL, *std = NULL;
  float mean_values[3], std_values[3];
  int window = 7, classes = 1000;
  const GOptionEntry entries[] = {
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch, "Architecture: swin_t, swin_s, swin_b or swin_l", "NAME" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &window, "Window size: 7 (default) or 12", "M" },
    { "classes", 'k', 0, G_OPTION_ARG_INT, &classes, "Number of classes (default 1000)", "K" },
    { "layout", 'l', 0, G_OPTION_ARG_STRING, &layout,
      "Key layout: torchvision (default), original or timm", "LAYOUT" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed, "Seed of the random weights (required)", "S" },
    { "mean", 0, 0, G_OPTION_ARG_STRING, &mean,
      "Input mean to record in __metadata__ (with --std)", "R,G,B" },
    { "std", 0, 0, G_OPTION_ARG_STRING, &std,
      "Input std to record in __metadata__ (with --mean)", "R,G,B" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new ("OUT.safetensors");
  SwinInitParams params = { 0 };
  GError *error = NULL;
  guint64 seed_value;
  int ret = SWIN_EXIT_USAGE;

  g_option_context_set_summary (context, "Write a Swin checkpoint with random weights (truncated normal, "
                                "std 0.02) as F32 safetensors.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!swin_cli_parse (context, "init", &argc, &argv))
    goto out;

  if (argc != 2) {
    swin_cli_usage_error ("init", argc < 2 ? "no output file given" : "more than one output file given");
    goto out;
  }
  if (arch == NULL) {
    swin_cli_usage_error ("init", "--arch is required");
    goto out;
  }
  if (seed == NULL) {
    swin_cli_usage_error ("init", "--seed is required");
    goto out;
  }
  if (!g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &seed_value, NULL)) {
    swin_cli_usage_error ("init", "invalid --seed '%s': expected a non-negative integer", seed);
    goto out;
  }
  if (window != 7 && window != 12) {
    swin_cli_usage_error ("init", "invalid --window %d: 7 or 12", window);
    goto out;
  }
  if (classes < 1) {
    swin_cli_usage_error ("init", "invalid --classes %d: at least 1", classes);
    goto out;
  }
  if (layout == NULL || strcmp (layout, "torchvision") == 0) {
    params.layout = SWIN_LAYOUT_TORCHVISION;
  } else if (strcmp (layout, "original") == 0) {
    params.layout = SWIN_LAYOUT_ORIGINAL;
  } else if (strcmp (layout, "timm") == 0) {
    params.layout = SWIN_LAYOUT_TIMM;
  } else {
    swin_cli_usage_error ("init", "unknown --layout '%s': torchvision, original or timm", layout);
    goto out;
  }

  if ((mean != NULL) != (std != NULL)) {
    swin_cli_usage_error ("init", "--mean and --std go together");
    goto out;
  }
  if (mean != NULL &&
      (!swin_parse_floats (mean, mean_values, 3) || !swin_parse_floats (std, std_values, 3))) {
    swin_cli_usage_error ("init", "invalid --mean or --std: expected three numbers \"r,g,b\"");
    goto out;
  }

  params.arch = arch;
  params.mean = mean != NULL ? mean_values : NULL;
  params.std = std != NULL ? std_values : NULL;
  params.window = window;
  params.num_classes = classes;
  params.seed = seed_value;
  if (!swin_model_init_random (&params, argv[1], &error)) {
    ret = swin_cli_fail (error);
    goto out;
  }
  g_print ("wrote %s (%s, window %d, %d classes, %s layout, seed %" G_GUINT64_FORMAT ")\n", argv[1], arch,
           window, classes, swin_layout_name (params.layout), seed_value);
  ret = SWIN_EXIT_OK;

out:
  g_option_context_free (context);
  g_free (arch);
  g_free (layout);
  g_free (seed);
  g_free (mean);
  g_free (std);
  return ret;
}

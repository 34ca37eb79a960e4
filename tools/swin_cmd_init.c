/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin init: write a randomly initialised checkpoint. */
#include "swin_cli.h"

#include <swin/swin.h>

int
swin_cmd_init (int argc, char **argv)
{
  /* the core's names; checked here so that a wrong one is a usage error */
  static const char *const archs[] = {
    "swin_t", "swin_s", "swin_b", "swin_l", "swin_v2_t", "swin_v2_s", "swin_v2_b", NULL,
  };
  static const char *const layouts[] = { "torchvision", "original", "timm", NULL };
  static const SwinLayout layout_values[] = {
    SWIN_LAYOUT_TORCHVISION, SWIN_LAYOUT_ORIGINAL, SWIN_LAYOUT_TIMM,
  };
  char *arch = NULL, *layout = NULL, *seed = NULL, *mean = NULL, *std = NULL;
  char *window_text = NULL, *classes_text = NULL;
  float mean_values[3], std_values[3];
  int window = 0, classes = 1000, arch_index, layout_index = 0;
  const GOptionEntry entries[] = {
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch,
      "Architecture: swin_t, swin_s, swin_b, swin_l, or V2's swin_v2_t, swin_v2_s, swin_v2_b", "NAME" },
    { "window", 'w', 0, G_OPTION_ARG_STRING, &window_text,
      "Window size: 7 (default) or 12; V2: 8 (default), 12, 16 or 24", "M" },
    { "classes", 'k', 0, G_OPTION_ARG_STRING, &classes_text, "Number of classes (default 1000)", "K" },
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

  if (argc != 2)
    swin_cli_usage_error ("init", argc < 2 ? "no output file given" : "more than one output file given");
  else if (arch == NULL)
    swin_cli_usage_error ("init", "--arch is required");
  else if (seed == NULL)
    swin_cli_usage_error ("init", "--seed is required");
  else if ((mean != NULL) != (std != NULL))
    swin_cli_usage_error ("init", "--mean and --std go together");
  else if (!swin_cli_parse_choice ("--arch", arch, archs, &arch_index, &error) ||
           !swin_cli_parse_choice ("--layout", layout, layouts, &layout_index, &error) ||
           !swin_cli_parse_uint64 ("--seed", seed, 0, G_MAXUINT64, &seed_value, &error) ||
           !swin_cli_parse_int ("--classes", classes_text, 1, G_MAXINT, &classes, &error) ||
           !swin_cli_parse_floats ("--mean", mean, mean_values, 3, &error) ||
           !swin_cli_parse_floats ("--std", std, std_values, 3, &error))
    swin_cli_usage_fail ("init", error);
  else if (!g_str_has_prefix (arch, "swin_v2_") &&
           (!swin_cli_parse_int ("--window", window_text, 7, 12, &window, NULL) ||
            (window_text != NULL && window != 7 && window != 12)))
    swin_cli_usage_error ("init", "invalid --window '%s': expected 7 or 12", window_text);
  else if (g_str_has_prefix (arch, "swin_v2_") &&
           (!swin_cli_parse_int ("--window", window_text, 8, 24, &window, NULL) ||
            (window_text != NULL && window != 8 && window != 12 && window != 16 && window != 24)))
    swin_cli_usage_error ("init", "invalid --window '%s' for %s: expected 8, 12, 16 or 24", window_text, arch);
  else
    ret = SWIN_EXIT_FAILURE;
  if (ret == SWIN_EXIT_USAGE)
    goto out;

  params.layout = layout_values[layout_index];
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
           window != 0 ? window : g_str_has_prefix (arch, "swin_v2_") ? 8 : 7, classes,
           swin_layout_name (params.layout), seed_value);
  ret = SWIN_EXIT_OK;

out:
  g_option_context_free (context);
  g_free (arch);
  g_free (layout);
  g_free (seed);
  g_free (mean);
  g_free (std);
  g_free (window_text);
  g_free (classes_text);
  return ret;
}

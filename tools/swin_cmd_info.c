/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin info MODEL: what a checkpoint contains. */
#include "swin_cli.h"

#include <swin/swin.h>

static void
print_ints (const char *label, const int *values, int n)
{
  g_print ("%-22s", label);
  for (int i = 0; i < n; i++)
    g_print ("%s%d", i > 0 ? ", " : "", values[i]);
  g_print ("\n");
}

int
swin_cmd_info (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("MODEL.safetensors");
  GError *error = NULL;
  SwinModel *model;
  const SwinArch *arch;
  gboolean parsed;

  g_option_context_set_summary (context, "Print a checkpoint's key layout, architecture, default "
                                "resolution and parameter count.");
  parsed = swin_cli_parse (context, "info", &argc, &argv);
  g_option_context_free (context);
  if (!parsed)
    return SWIN_EXIT_USAGE;
  if (argc != 2)
    return swin_cli_usage_error ("info", argc < 2 ? "no model given" : "more than one model given");

  model = swin_model_load (argv[1], &error);
  if (model == NULL)
    return swin_cli_fail (error);
  arch = swin_model_get_arch (model);

  g_print ("%-22s%s\n", "model:", swin_model_get_name (model));
  g_print ("%-22s%s\n", "version:", arch->version == 2 ? "Swin Transformer V2" : "Swin Transformer");
  g_print ("%-22s%s\n", "layout:", swin_layout_name (arch->layout));
  g_print ("%-22s%d\n", "patch size:", arch->patch_size);
  g_print ("%-22s%d\n", "input channels:", arch->in_chans);
  g_print ("%-22s%d\n", "embed dim:", arch->embed_dim);
  g_print ("%-22s%d\n", "stages:", arch->num_stages);
  print_ints ("depths:", arch->depths, arch->num_stages);
  print_ints ("heads:", arch->heads, arch->num_stages);
  print_ints ("windows:", arch->windows, arch->num_stages);
  if (arch->version == 2 && arch->pretrained_windows[0] > 0)
    print_ints ("pretrained windows:", arch->pretrained_windows, arch->num_stages);
  print_ints ("mlp hidden:", arch->mlp_hidden, arch->num_stages);
  g_print ("%-22s%d\n", "classes:", arch->num_classes);
  g_print ("%-22s%s\n", "absolute pos embed:", arch->ape ? "yes" : "no");
  g_print ("%-22s%dx%d\n", "default resolution:", arch->img_size, arch->img_size);
  g_print ("%-22s%" G_GINT64_FORMAT " (%.2f M)\n", "parameters:", arch->num_params,
           arch->num_params / 1e6);

  swin_model_free (model);
  return SWIN_EXIT_OK;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin: inspect, create and run Swin Transformer checkpoints. */
#include "swin_cli.h"

#include <swin/swin_vulkan.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*func) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "info", swin_cmd_info, "print a checkpoint's layout and architecture" },
  { "init", swin_cmd_init, "write a randomly initialised checkpoint" },
  { "run", swin_cmd_run, "classify images (float32 NCHW or raw RGB) with a checkpoint" },
  { "bench", swin_cmd_bench, "time the Vulkan forward, per kernel" },
  { "bench-regions", swin_cmd_regions, "time regions of a frame, batched and one by one" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: swin COMMAND [OPTIONS...]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'swin COMMAND --help' for a command's options.\n");
}

int
swin_cli_fail (GError *error)
{
  g_printerr ("swin: %s\n", error->message);
  g_error_free (error);
  return SWIN_EXIT_FAILURE;
}

int
swin_cli_usage_error (const char *command, const char *format, ...)
{
  va_list ap;
  char *message;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_printerr ("swin: %s\nTry 'swin %s --help'.\n", message, command);
  g_free (message);
  return SWIN_EXIT_USAGE;
}

int
swin_cli_usage_fail (const char *command, GError *error)
{
  swin_cli_usage_error (command, "%s", error->message);
  g_error_free (error);
  return SWIN_EXIT_USAGE;
}

static gboolean verbose;

static void
print_report (SwinLogLevel level, const char *message, void *data)
{
  static const char *const names[] = { "warning", "info", "debug" };

  g_printerr ("swin: [%s] %s\n", names[level], message);
}

gboolean
swin_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv)
{
  const GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Print what the core chooses (device, driver, kernel variants, memory) to stderr", NULL },
    G_OPTION_ENTRY_NULL,
  };
  GError *error = NULL;
  char *prgname = g_strdup_printf ("swin %s", command);

  /* "Usage: swin info ..." in --help rather than the bare subcommand name */
  g_set_prgname (prgname);
  g_free (prgname);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error)) {
    swin_cli_usage_fail (command, error);
    return FALSE;
  }
  return TRUE;
}

SwinContext *
swin_cli_context_new_full (const SwinContextParams *params, GError **error)
{
  SwinContextParams p = *params;

  if (verbose)
    p.log_func = print_report;
  return swin_context_new (&p, error);
}

SwinContext *
swin_cli_context_new (const char *device, GError **error)
{
  SwinContextParams params;

  swin_context_params_init (&params);
  params.device = device;
  return swin_cli_context_new_full (&params, error);
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    g_printerr ("swin: no command given\n");
    print_usage (stderr);
    return SWIN_EXIT_USAGE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0) {
    print_usage (stdout);
    return SWIN_EXIT_OK;
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].func (argc - 1, argv + 1);
  }
  g_printerr ("swin: unknown command '%s'\n", argv[1]);
  print_usage (stderr);
  return SWIN_EXIT_USAGE;
}

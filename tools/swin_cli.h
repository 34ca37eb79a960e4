/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `swin` command line tool: one function per subcommand. */
#pragma once

#include <glib.h>
#include <swin/swin_vulkan.h>

G_BEGIN_DECLS

/* Exit codes of every subcommand. */
#define SWIN_EXIT_OK 0
#define SWIN_EXIT_FAILURE 1
#define SWIN_EXIT_USAGE 2

/* Each takes the arguments after "swin" (argv[0] is the subcommand's name)
 * and returns the process exit code. */
int swin_cmd_info (int argc, char **argv);
int swin_cmd_init (int argc, char **argv);
int swin_cmd_run (int argc, char **argv);
int swin_cmd_bench (int argc, char **argv);
int swin_cmd_regions (int argc, char **argv);

/* Prints "swin: MESSAGE" to stderr, frees @error, returns SWIN_EXIT_FAILURE. */
int swin_cli_fail (GError *error);
/* Prints "swin: FORMAT" and a --help hint for @command to stderr, returns
 * SWIN_EXIT_USAGE. */
int swin_cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Parses @context's options, with --verbose added (the core's reports to
 * stderr); on a parse error prints it and returns FALSE. */
gboolean swin_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv);
/* Opens @device with the core's reports on stderr under --verbose. */
SwinContext *swin_cli_context_new (const char *device, GError **error);

G_END_DECLS

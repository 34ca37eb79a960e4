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
/* Prints @error's message and the --help hint as swin_cli_usage_error()
 * does, frees @error, returns SWIN_EXIT_USAGE. */
int swin_cli_usage_fail (const char *command, GError *error);
/* Parses @context's options, with --verbose added (the core's reports to
 * stderr); on a parse error prints it and returns FALSE. */
gboolean swin_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv);
/* Opens @device with the core's reports on stderr under --verbose. */
SwinContext *swin_cli_context_new (const char *device, GError **error);
/* The same with @params (its log function replaced under --verbose). */
SwinContext *swin_cli_context_new_full (const SwinContextParams *params, GError **error);

/* The values of options, given as strings (swin_cli_parse.c): every number
 * is decimal digits only, within its range, with nothing after it.  Each
 * leaves @out as it was when @text is NULL (the option not given: its
 * default stays) and fails with SWIN_ERROR_INVALID_ARG naming @option and
 * @text. */
gboolean swin_cli_parse_uint64 (const char *option, const char *text, guint64 min, guint64 max,
                                guint64 *out, GError **error);
/* @min >= 0. */
gboolean swin_cli_parse_int (const char *option, const char *text, int min, int max, int *out,
                             GError **error);
/* "AxB", each 1 to @max, into @first and @second; @form ("HxW" or "WxH")
 * names the order in the message. */
gboolean swin_cli_parse_size (const char *option, const char *text, const char *form, int max,
                              int *first, int *second, GError **error);
/* Exactly @n comma-separated numbers, as swin_parse_floats() reads them. */
gboolean swin_cli_parse_floats (const char *option, const char *text, float *out, int n,
                                GError **error);
/* "a,b,c" (@text not NULL), each @min (>= 0) to @max, into a new array
 * @values (g_free() it) of @n. */
gboolean swin_cli_parse_ints (const char *option, const char *text, int min, int max, int **values,
                              int *n, GError **error);
/* @text as the index into NULL-terminated @names. */
gboolean swin_cli_parse_choice (const char *option, const char *text, const char *const *names,
                                int *index, GError **error);

G_END_DECLS

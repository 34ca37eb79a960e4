/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_device.h"

#include <stdlib.h>

SwinContext *
swin_test_context_with_params (SwinContextParams *params)
{
  const char *want = g_getenv ("SWIN_TEST_DEVICE");
  GError *error = NULL;
  SwinContext *ctx;

  params->device = want;
  ctx = swin_context_new (params, &error);

  if (!ctx) {
    if (!want && g_error_matches (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE)) {
      g_printerr ("no Vulkan device: %s\n", error->message);
      exit (77);
    }
    g_error ("cannot open Vulkan device: %s", error->message);
  }
  return ctx;
}

SwinContext *
swin_test_context_with_log (SwinLogFunc log_func, void *log_data)
{
  SwinContextParams params;

  swin_context_params_init (&params);
  params.log_func = log_func;
  params.log_data = log_data;
  return swin_test_context_with_params (&params);
}

SwinContext *
swin_test_context (void)
{
  return swin_test_context_with_log (NULL, NULL);
}

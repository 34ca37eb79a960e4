/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error domain of every core function. */
#include "swin/swin_model.h"

GQuark
swin_error_quark (void)
{
  return g_quark_from_static_string ("swin-error-quark");
}

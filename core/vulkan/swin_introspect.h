/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the core's tests read of its internals (internal to core, as dav1d's
 * checkasm reads dav1d's): nothing in the product calls these. */
#pragma once

#include "swin/swin_vulkan.h"

/* Names of all Vulkan devices, NULL-terminated (g_strfreev). */
char **swin_context_list_devices (GError **error);
/* How many VkInstances this process has created (tests of swin_shutdown()). */
guint swin_instance_creations (void);
/* The precision @net was created with. */
SwinPrecision swin_net_get_precision (const SwinNet *net);

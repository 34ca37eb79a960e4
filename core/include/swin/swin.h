/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core: everything (the model layer, the CPU backend and the
 * Vulkan backend).  Include the layer's own header where one is enough.
 *
 * Errors, one policy for every public function:
 * - a contract violation by the caller (a NULL pointer where an object is
 *   required, an object used after it was freed, an out-of-range enum in a
 *   call rather than in data) is a programming error: g_return_val_if_fail()
 *   logs a critical and returns FALSE, NULL or -1 without setting @error;
 * - whatever can come from data (files, frames and their sizes, regions,
 *   parameters read from a checkpoint or a property, the device and its
 *   limits) is a GError in SWIN_ERROR, never a critical, a crash or a
 *   message printed. */
#pragma once

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"
#include "swin/swin_cpu.h"
#include "swin/swin_vulkan.h"

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core: everything (the model layer, the CPU backend and the
 * Vulkan backend).  Include the layer's own header where one is enough. */
#pragma once

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"
#include "swin/swin_cpu.h"
#include "swin/swin_vulkan.h"

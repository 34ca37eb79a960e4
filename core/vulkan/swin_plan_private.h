/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What other core modules (device-side preprocessing) need of a plan. */
#pragma once

#include "swin_kernel.h"

SwinContext *swin_plan_get_context (SwinPlan *plan);
/* The plan's batch and input resolution. */
void swin_plan_get_shape (const SwinPlan *plan, int *batch, int *height, int *width);
/* The device buffer behind swin_plan_get_input(): float32 NCHW. */
SwinBuffer *swin_plan_get_input_buffer (SwinPlan *plan);
/* Like swin_plan_run(), but submits @pre (ended; it fills the input buffer)
 * and the forward in one vkQueueSubmit. */
gboolean swin_plan_run_after (SwinPlan *plan, SwinCmd *pre, GError **error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the tests read of a runner (internal to core). */
#pragma once

#include "swin/swin_vulkan.h"

typedef struct {
  guint64 forwards;          /* batches run */
  guint64 images;            /* images classified */
  guint64 frames_uploaded;   /* frames copied into an upload buffer: each at most once */
  guint64 bytes_uploaded;
} SwinRunnerStats;

void swin_runner_get_stats (SwinRunner *runner, SwinRunnerStats *stats);

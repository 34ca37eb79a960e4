/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of avgpool_norm.comp (swin_glsl_c.h). */
#ifndef SWIN_AVGPOOL_NORM_PUSH_H
#define SWIN_AVGPOOL_NORM_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinAvgpoolNormPush) {
  int32_t batch, L, C;
} SWIN_PUSH_END (SwinAvgpoolNormPush);

#endif

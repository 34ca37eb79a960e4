/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of avgpool.comp (swin_glsl_c.h). */
#ifndef SWIN_AVGPOOL_PUSH_H
#define SWIN_AVGPOOL_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinAvgpoolPush) {
  int32_t batch, L, C;
} SWIN_PUSH_END (SwinAvgpoolPush);

#endif
